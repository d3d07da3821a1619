// spec.dataSync.convergedBelow (a Kubernetes quantity) in bytes and spec.rollback.retainOriginalFor
// (a Go duration) in milliseconds. Pure. The schema already refuses malformed values with the same
// grammar; these parsers still throw a clear error naming the field, for values that did not pass
// through it. Arithmetic is exact (BigInt): 0.1h is 360000 ms, not 359999.99999999994.
// client-node's quantityToScalar is not used: it goes through floating point and does not take
// fractions with k/M/G or exponents.

/** Bytes of a quantity such as 64Mi, 1G, 500k, 1.5Gi, 1e6 or a plain integer, rounded up like resource.Quantity.Value(). */
export function parseQuantity(value: number | string, field = 'spec.dataSync.convergedBelow'): number {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new RangeError(`${field} ${value} must be a non-negative integer or a quantity such as 64Mi`);
    return value;
  }
  const m = /^\+?(\d+(?:\.\d*)?|\.\d+)(?:([KMGTPE]i)|([numkMGTPE])|[eE]([+-]?\d+))?$/.exec(value);
  if (m === null) throw new RangeError(`${field} "${value}" must be a non-negative quantity such as 64Mi, 1G or 500k`);
  let { num, den } = decimal(m[1] ?? '0');
  if (m[2] !== undefined) num *= 1024n ** BigInt(BINARY_SI.indexOf(m[2][0] ?? '') + 1);
  const exp = m[3] !== undefined ? (DECIMAL_SI[m[3]] ?? 0) : m[4] !== undefined ? Number(m[4]) : 0;
  if (Math.abs(exp) > 30) throw new RangeError(`${field} "${value}" has an exponent out of range`);
  if (exp >= 0) num *= 10n ** BigInt(exp);
  else den *= 10n ** BigInt(-exp);
  const bytes = (num + den - 1n) / den;
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER))
    throw new RangeError(`${field} "${value}" is too large (at most ${Number.MAX_SAFE_INTEGER} bytes)`);
  return Number(bytes);
}

const BINARY_SI = ['K', 'M', 'G', 'T', 'P', 'E'];
const DECIMAL_SI: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/**
 * Milliseconds of a Go duration such as 24h, 90m, 1h30m or 1.5h (units ns, us, µs, ms, s, m, h; no
 * sign), rounded up to a whole millisecond so that a non-zero duration is never 0.
 */
export function parseDuration(value: string, field = 'spec.rollback.retainOriginalFor'): number {
  const part = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;
  let ns = 0n;
  let at = 0;
  while (at < value.length) {
    part.lastIndex = at;
    const m = part.exec(value);
    if (m === null) break;
    const { num, den } = decimal(m[1] ?? '0');
    ns += (num * (UNIT_NS[m[2] ?? ''] ?? 0n)) / den;
    at = part.lastIndex;
  }
  if (value.length === 0 || at !== value.length) {
    throw new RangeError(
      `${field} "${value}" must be a duration such as 24h, 90m or 1h30m (units h, m, s, ms, us, ns)`,
    );
  }
  const ms = (ns + 999_999n) / 1_000_000n;
  if (ms > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`${field} "${value}" is too long`);
  return Number(ms);
}

const UNIT_NS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** A decimal such as 1.25 or .5 as num/den with den a power of ten. */
function decimal(text: string): { num: bigint; den: bigint } {
  const [int = '', frac = ''] = text.split('.');
  return { num: BigInt((int || '0') + frac), den: 10n ** BigInt(frac.length) };
}
