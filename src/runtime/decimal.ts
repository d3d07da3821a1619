// Exact decimals for the quantity and duration parsers: "1.25" as 125/100, in BigInt, so that 0.1h is
// 360000 ms and not 359999.99999999994.

/** A decimal such as 1.25 or .5 as num/den with den a power of ten. */
export function decimal(text: string): { num: bigint; den: bigint } {
  const [int = '', frac = ''] = text.split('.');
  return { num: BigInt((int || '0') + frac), den: 10n ** BigInt(frac.length) };
}
