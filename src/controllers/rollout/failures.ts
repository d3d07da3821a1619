// The failure budget (spec.failurePolicy): how many plans of the current revision ended badly, how
// many of those a person acknowledged, how many failed in a row, and whether the policy acts. Pure.
import type { FailuresStatus, MaintenanceRollout, Phase } from '../../api/v1alpha1/index.ts';

export interface EndedPlan {
  readonly phase?: Phase;
  readonly endedAt?: Date;
  /** Rolled back on request (spec.rollbackNow): not a failure of the update. */
  readonly rollbackNow?: boolean;
}

export function isFailure(phase: Phase | undefined, countAborted: boolean): boolean {
  return phase === 'Failed' || phase === 'RolledBack' || (countAborted && phase === 'Aborted');
}

export function failureBudget(spec: MaintenanceRollout['spec'], plans: readonly EndedPlan[]): FailuresStatus {
  const policy = spec.failurePolicy;
  const ended = plans
    .filter((p) => !(p.rollbackNow === true && p.phase === 'RolledBack'))
    .filter((p) => p.phase === 'Succeeded' || p.phase === 'Failed' || p.phase === 'RolledBack' || p.phase === 'Aborted')
    .sort((a, b) => (a.endedAt?.getTime() ?? 0) - (b.endedAt?.getTime() ?? 0));
  const count = ended.filter((p) => isFailure(p.phase, policy.countAborted)).length;
  const acknowledged = Math.min(spec.acknowledgedFailures, count);
  const unacknowledged = count - acknowledged;
  let trailing = 0;
  for (let i = ended.length - 1; i >= 0; i--) {
    const phase = ended[i]?.phase;
    if (isFailure(phase, policy.countAborted)) trailing++;
    else if (phase === 'Aborted') continue;
    else break;
  }
  const consecutive = Math.min(trailing, unacknowledged);
  const exceeded =
    unacknowledged > policy.maxFailures ||
    (policy.maxConsecutiveFailures !== undefined && consecutive > policy.maxConsecutiveFailures);
  return { count, acknowledged, consecutive, allowed: policy.maxFailures, exceeded };
}
