// Go durations (time.ParseDuration, without a sign) in milliseconds: a plan's
// spec.rollback.retainOriginalFor and the operator's duration flags. Pure. Arithmetic is exact (BigInt).
import { decimal } from './decimal.ts';

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
