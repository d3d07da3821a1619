// Which plans an event of their appliance (or of one of its members) concerns. The plan holding
// the appliance's lock (status.activePlan) works on it; the queued ones (Pending) only wait for
// the lock: when it is free, the next in line (the oldest) is woken, and no other. Waking every
// queued plan at each release would have n plans race for the lock n times: O(n²) reconciles and
// conflicting writes for a queue of n.
import type { MaintenancePlan, VirtualAppliance } from '../../api/v1alpha1/index.ts';

/** A plan that waits for the lock: not admitted yet, not being deleted. */
export function isQueued(plan: MaintenancePlan): boolean {
  const phase = plan.status?.phase;
  return (phase === undefined || phase === 'Pending') && plan.metadata.deletionTimestamp == null;
}

/**
 * The queued plan whose turn comes next: the oldest (by creation, then name) that is not
 * suspended (a suspended plan is woken by its own change when it resumes).
 */
export function nextInLine(plans: readonly MaintenancePlan[]): MaintenancePlan | undefined {
  let next: MaintenancePlan | undefined;
  for (const p of plans) {
    if (!isQueued(p) || p.spec.suspend) continue;
    if (next === undefined || before(p, next)) next = p;
  }
  return next;
}

/** The plans of one appliance an event of it (or of its members) wakes. */
export function plansToWake(
  appliance: VirtualAppliance | undefined,
  plans: readonly MaintenancePlan[],
): MaintenancePlan[] {
  const holder = appliance?.status?.activePlan ?? '';
  const next = holder === '' ? nextInLine(plans) : undefined;
  return plans.filter((p) => (isQueued(p) ? p === next : true) || p.metadata.name === holder);
}

function before(a: MaintenancePlan, b: MaintenancePlan): boolean {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb;
  return (a.metadata.name ?? '') < (b.metadata.name ?? '');
}
