// Kubernetes quantities (resource.Quantity) in bytes, the one size grammar of the product: a plan's
// spec.dataSync.convergedBelow, a PVC's storage request and the datasync worker's --block-size all
// read `k` as 1000 and `Ki` as 1024, as Kubernetes does. Pure. Arithmetic is exact (BigInt).
// client-node's quantityToScalar is not used: it goes through floating point and does not take
// fractions with k/M/G or exponents.
import { decimal } from './decimal.ts';

/**
 * Bytes of a quantity such as 64Mi, 1G, 500k, 1.5Gi, 1e6 or a plain integer, rounded up like
 * resource.Quantity.Value(). Throws a RangeError naming `field` on anything else.
 */
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
 * A byte count as the API server writes a BinarySI quantity (resource.NewQuantity(n, BinarySI)):
 * the largest exact power of 1024 as suffix (64Mi, 1Gi), and plain digits below 1024 or when no
 * suffix divides it (1500). A PV's capacity and a snapshot's restoreSize read this way.
 */
export function formatBytes(bytes: number): string {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`${bytes} is not a byte count`);
  let n = bytes;
  let unit = -1;
  while (n >= 1024 && n % 1024 === 0 && unit < BINARY_SI.length - 1) {
    n /= 1024;
    unit++;
  }
  return unit < 0 ? String(n) : `${n}${BINARY_SI[unit] ?? ''}i`;
}
