// Pure decisions of Lease-based leader election, kept apart from the API calls so that expiry
// and takeover are unit-tested with a hand-driven clock.

/** The parts of a Lease's spec the election reads. */
export interface LeaseRecord {
  readonly holderIdentity?: string | null;
  readonly leaseDurationSeconds?: number | null;
  readonly leaseTransitions?: number | null;
}

/** What this candidate last saw of the lease, and when (by its own clock). */
export interface Observation {
  readonly record: LeaseRecord;
  /** resourceVersion of the lease when observed: a change means the holder is alive. */
  readonly resourceVersion: string;
  /** Local time (ms) when this resourceVersion was first seen. */
  readonly observedAt: number;
}

export type LeaseDecision =
  | { readonly action: 'renew' }
  | { readonly action: 'acquire'; readonly transitions: number }
  | { readonly action: 'wait'; readonly holder: string; readonly expiresAt: number };

/**
 * Decides what `identity` may do with a lease. Like client-go, expiry is measured on the local
 * clock from the moment the current record was first observed, not from the holder's renewTime,
 * so clock skew between machines cannot shorten a lease. An empty holder means the lease was
 * released and can be taken at once.
 */
export function decideLease(obs: Observation, identity: string, now: number): LeaseDecision {
  const holder = obs.record.holderIdentity ?? '';
  const transitions = obs.record.leaseTransitions ?? 0;
  if (holder === identity) return { action: 'renew' };
  if (holder === '') return { action: 'acquire', transitions: transitions + 1 };
  const expiresAt = obs.observedAt + (obs.record.leaseDurationSeconds ?? 0) * 1000;
  if (now >= expiresAt) return { action: 'acquire', transitions: transitions + 1 };
  return { action: 'wait', holder, expiresAt };
}

/** Updates the observation: the clock restarts only when the lease changed. */
export function observe(
  prev: Observation | undefined,
  record: LeaseRecord,
  resourceVersion: string,
  now: number,
): Observation {
  if (prev?.resourceVersion === resourceVersion) return prev;
  return { record, resourceVersion, observedAt: now };
}

/** Whether a leader whose last successful renewal was at `lastRenew` must step down. */
export function renewDeadlinePassed(lastRenew: number, renewDeadlineMs: number, now: number): boolean {
  return now - lastRenew >= renewDeadlineMs;
}

/**
 * A MicroTime as the API server wants it (RFC 3339 with 6 fractional digits): Lease times are
 * MicroTime, and a Date's `toISOString` (3 digits) is refused.
 */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
