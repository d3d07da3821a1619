// Planning, and re-planning while awaiting approval: the live levels against the targets, the
// preview with its hash, and (AwaitingApproval) whether spec.approvedHash approves exactly it.
// Planning starts with the preflight (preflight.ts): what would fail later fails now.
import type { Preview } from '../../../api/v1alpha1/index.ts';
import { isConditionTrue } from '../../../runtime/conditions.ts';
import { diffPlan } from '../diff.ts';
import { estimateDowntimeSeconds } from '../estimate.ts';
import type { StepFacts } from '../facts.ts';
import { done, failed, wait, type StepOutcome } from '../outcome.ts';
import { isApproved, previewHash } from '../preview-hash.ts';
import { preflight, readinessWarnings } from '../preflight.ts';
import type { ClusterIO } from '../cluster-io.ts';

/** The preview, or the outcome that stops planning (the inventory is incomplete, or a target is refused). */
function preview(facts: StepFacts, io: ClusterIO): Preview | StepOutcome {
  const { plan, appliance } = facts;
  if (!isConditionTrue(appliance.status?.conditions, 'Ready')) {
    return wait(`waiting for appliance ${plan.spec.appliance} to be Ready (its inventory must be complete)`, {
      requeueAfterMs: 2_000,
    });
  }
  const diff = diffPlan({
    targets: plan.spec.components,
    members: appliance.spec.members,
    inventory: appliance.status?.members ?? [],
    allowDowngrade: plan.spec.allowDowngrade,
  });
  const blocking = diff.problems.filter((p) => !p.transient);
  const first = blocking[0];
  if (first !== undefined) return failed(first.kind, blocking.map((p) => p.message).join('; '));
  if (diff.problems.length > 0) return wait(diff.problems.map((p) => p.message).join('; '), { requeueAfterMs: 2_000 });
  return {
    hash: previewHash({
      appliance: { namespace: appliance.metadata.namespace ?? '', name: appliance.metadata.name ?? '' },
      updates: diff.updates,
      unchanged: diff.unchanged,
    }),
    updates: [...diff.updates],
    unchanged: [...diff.unchanged],
    estimatedDowntimeSeconds: estimateDowntimeSeconds(plan, appliance, facts.status.syncRounds),
    warnings: readinessWarnings(facts, io),
  };
}

const isPreview = (p: Preview | StepOutcome): p is Preview => 'hash' in p;

/** Planning: preflight, then done with the preview (an empty one means nothing to do). */
export async function planStep(facts: StepFacts, io: ClusterIO): Promise<StepOutcome> {
  const refused = await preflight(facts, io);
  if (refused !== undefined) return refused;
  const p = preview(facts, io);
  return isPreview(p) ? done(undefined, { preview: p }) : p;
}

/** AwaitingApproval: done once spec.approvedHash equals the hash of the preview as it is now (or nothing is left to do). */
export function approveStep(facts: StepFacts, io: ClusterIO): Promise<StepOutcome> {
  const p = preview(facts, io);
  if (!isPreview(p)) return Promise.resolve(p);
  if (p.updates.length === 0 || isApproved(facts.plan.spec.approvedHash, p.hash)) {
    return Promise.resolve(done(p.updates.length === 0 ? undefined : 'approved', { preview: p }));
  }
  return Promise.resolve(
    wait(`waiting for spec.approvedHash to equal ${p.hash}`, { record: { preview: p }, requeueAfterMs: 10_000 }),
  );
}
