// Planning, and re-planning while awaiting approval: the live levels against the targets and the
// members' base image versions against spec.baseImage, the preview with its hash, and
// (AwaitingApproval) whether spec.approvedHash approves exactly it. A member whose version is
// unknown stalls the plan until a person states it. Planning starts with the preflight
// (preflight.ts): what would fail later fails now.
import type { Preview } from '../../../api/v1alpha1/index.ts';
import { isConditionTrue } from '../../../runtime/conditions.ts';
import { diffPlan } from '../diff.ts';
import { estimateDowntimeSeconds } from '../estimate.ts';
import type { StepFacts } from '../facts.ts';
import { done, failed, wait, type StepOutcome } from '../outcome.ts';
import { changesNothing, isApproved, previewHash } from '../preview-hash.ts';
import { preflight, readinessWarnings } from '../preflight.ts';
import type { ClusterIO } from '../cluster-io.ts';
import { planRebase, type RebasePlan } from '../rebase-plan.ts';
import { catalogOf } from '../../shared/provenance.ts';

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
  const rebase = rebasePlanOf(facts);
  const problems = [
    ...diff.problems.map((p) => ({ kind: p.kind, message: p.message, severity: p.transient ? 'wait' : 'fail' })),
    ...rebase.problems,
  ];
  const blocking = problems.filter((p) => p.severity === 'fail');
  const first = blocking[0];
  if (first !== undefined) return failed(first.kind, blocking.map((p) => p.message).join('; '));
  const stall = problems.find((p) => p.severity === 'stall');
  if (stall !== undefined) {
    const message = problems
      .filter((p) => p.severity === 'stall')
      .map((p) => p.message)
      .join('; ');
    return wait(message, { reason: stall.kind, stalled: true, requeueAfterMs: 10_000 });
  }
  if (problems.length > 0) return wait(problems.map((p) => p.message).join('; '), { requeueAfterMs: 2_000 });
  const rebases = [...rebase.rebases];
  const baseUnchanged = [...rebase.unchanged];
  return {
    hash: previewHash({
      appliance: { namespace: appliance.metadata.namespace ?? '', name: appliance.metadata.name ?? '' },
      updates: diff.updates,
      unchanged: diff.unchanged,
      rebases,
      baseUnchanged,
    }),
    updates: [...diff.updates],
    unchanged: [...diff.unchanged],
    ...(plan.spec.baseImage === undefined ? {} : { rebases, baseUnchanged }),
    estimatedDowntimeSeconds: estimateDowntimeSeconds(plan, appliance, facts.status.syncRounds),
    warnings: readinessWarnings(facts, io),
  };
}

/** spec.baseImage's part of the plan (none without it). */
function rebasePlanOf(facts: StepFacts): RebasePlan {
  const target = facts.plan.spec.baseImage;
  if (target === undefined) return { rebases: [], unchanged: [], problems: [] };
  const b = facts.baseImage;
  const pending = b !== undefined && 'image' in b ? b.image.status?.pending?.version : undefined;
  return planRebase({
    target,
    namespace: facts.namespace,
    catalog:
      b === undefined
        ? { reason: 'BaseImageNotFound', problem: 'spec.baseImage.ref: the BaseImage is not known' }
        : 'image' in b
          ? catalogOf(b.image)
          : b,
    ...(pending === undefined ? {} : { pending }),
    members: facts.appliance.spec.members,
    inventory: facts.appliance.status?.members ?? [],
    allowDowngrade: facts.plan.spec.allowDowngrade,
  });
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
  if (changesNothing(p) || isApproved(facts.plan.spec.approvedHash, p.hash)) {
    return Promise.resolve(done(changesNothing(p) ? undefined : 'approved', { preview: p }));
  }
  return Promise.resolve(
    wait(`waiting for spec.approvedHash to equal ${p.hash}`, { record: { preview: p }, requeueAfterMs: 10_000 }),
  );
}
