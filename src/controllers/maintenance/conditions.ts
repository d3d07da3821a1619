// The condition set of a MaintenancePlan, from its phase and its steps. Pure.
//
// kstatus (runtime/conditions.ts' setKStatus, the operator's one kstatus writer: Reconciling and
// Stalled are removed when they do not apply): Ready is True only in Succeeded, so
// `kubectl wait --for=condition=Ready` returns at the end. Reconciling is True while the operator
// works, including the waits it drives itself (a plan Pending behind another, a clone booting, a
// cleanup) and an API error it retries (reason ProgressingWithRetry, the error in the message).
// Stalled is True when the plan has ended without the update (Failed, RolledBack, Aborted: kstatus
// Failed, so that a pipeline waiting on the plan stops and does not read it as done) or its input is
// refused. Waiting for a person (AwaitingApproval, suspend), for the clock (WaitingForWindow) or for
// a cut-over slot from the plan's rollout (WaitingForCutOverSlot) is
// Ready False with that reason and neither Reconciling nor Stalled (kstatus InProgress: the plan is
// not done; Argo CD shows Suspended, see config/argocd/vapp.dev/MaintenancePlan/health.lua, which
// also shows an Aborted plan as Suspended: the user's choice, not a fault).
// Then one condition per step, as PIPELINE lists them.
import type { ApprovalMode, FailedClonePolicy, Step } from '../../api/v1alpha1/index.ts';
import {
  type Condition,
  type ConditionInput,
  type KStatus,
  PROGRESSING_WITH_RETRY,
  getCondition,
  setCondition,
  setKStatus,
} from '../../runtime/conditions.ts';
import { cleanupUnderWay } from './cleanups.ts';
import type { PlanState } from './phases.ts';
import { STEP_CONDITIONS, isTerminal, rowOf } from './pipeline.ts';

export { STEP_CONDITIONS } from './pipeline.ts';

/** A reason and a message. */
export interface Why {
  readonly reason: string;
  readonly message: string;
}

export interface PlanConditionsInput {
  readonly state: PlanState;
  readonly approval: ApprovalMode;
  readonly failedClonePolicy?: FailedClonePolicy;
  readonly steps: readonly Pick<Step, 'name' | 'state' | 'message'>[];
  /** spec.suspend is set and the plan stopped at a safe point. */
  readonly suspended: boolean;
  /** The operator waits on something it expects to change by itself (e.g. another plan to finish): Reconciling, with this reason. */
  readonly waiting?: Why;
  /** The input is refused and the plan waits for a change (e.g. its appliance does not exist). */
  readonly refused?: Why;
  /**
   * What ended the plan or brought it back (a stepFailed or observeFailed event's reason and
   * message), passed when it happens. Later, the previous Stalled condition keeps it; without
   * either, the Failed step says it.
   */
  readonly failure?: Why;
  /** How a Succeeded plan succeeded (NoChanges or Succeeded); else the previous Ready reason is kept. */
  readonly success?: Why;
  /** An API error this pass ran into, retried with backoff: Reconciling with ProgressingWithRetry. */
  readonly error?: { readonly message: string };
  readonly observedGeneration: number;
  readonly now: Date;
}

/** The plan's conditions; other condition types in `previous` are kept as they are. */
export function planConditions(previous: readonly Condition[] | undefined, input: PlanConditionsInput): Condition[] {
  const opts = { observedGeneration: input.observedGeneration, now: input.now };
  let list = setKStatus(previous, planKStatus(previous, input), opts);
  const set = (c: ConditionInput): void => {
    list = setCondition(list, c, opts);
  };
  for (const { type, step } of STEP_CONDITIONS) {
    if (type === 'Approved' && input.approval === 'Automatic') {
      set({ type, status: 'True', reason: 'Automatic', message: 'spec.approval is Automatic' });
      continue;
    }
    const s = input.steps.find((x) => x.name === step);
    if (s !== undefined) set({ type, ...fromStep(s) });
  }
  return list;
}

/** Where the plan stands, for Ready, Reconciling and Stalled. */
export function planKStatus(previous: readonly Condition[] | undefined, input: PlanConditionsInput): KStatus {
  const { phase, cleanup } = input.state;
  if (input.error !== undefined)
    return { state: 'Reconciling', reason: PROGRESSING_WITH_RETRY, message: input.error.message };
  if (phase === 'Succeeded') return { state: 'Ready', ...successOf(previous, input) };
  if (phase === 'Failed' || phase === 'RolledBack') return { state: 'Stalled', ...failureOf(previous, input) };
  if (phase === 'Aborted') {
    return {
      state: 'Stalled',
      reason: 'Aborted',
      message: 'aborted: the original keeps serving and the clone was removed',
    };
  }
  if (cleanup !== undefined) {
    const underWay = cleanupUnderWay(cleanup, input.failedClonePolicy ?? 'Delete');
    return { state: 'Reconciling', reason: 'CleaningUp', message: `${cleanup.message}; ${underWay}` };
  }
  if (input.refused !== undefined) return { state: 'Stalled', ...input.refused };
  if (input.suspended)
    return { state: 'NotReady', reason: 'Suspended', message: `suspended (spec.suspend) in ${phase}` };
  const doing = isTerminal(phase) ? phase : rowOf(phase).doing;
  if (phase === 'AwaitingApproval' || phase === 'WaitingForWindow' || phase === 'WaitingForCutOverSlot') {
    return { state: 'NotReady', reason: phase, message: input.waiting?.message ?? doing };
  }
  return { state: 'Reconciling', reason: input.waiting?.reason ?? phase, message: input.waiting?.message ?? doing };
}

function fromStep(step: Pick<Step, 'state' | 'message'>): Omit<ConditionInput, 'type'> {
  const message = step.message ?? '';
  switch (step.state) {
    case 'Succeeded':
      return { status: 'True', reason: 'Succeeded', message };
    case 'Failed':
      return { status: 'False', reason: 'Failed', message };
    case 'Skipped':
      return { status: 'False', reason: 'Skipped', message };
    case 'Running':
      return { status: 'Unknown', reason: 'InProgress', message };
    case 'Pending':
      return { status: 'Unknown', reason: 'Pending', message };
  }
}

function failureOf(previous: readonly Condition[] | undefined, input: PlanConditionsInput): Why {
  if (input.failure !== undefined) return input.failure;
  const stalled = getCondition(previous, 'Stalled');
  if (stalled?.status === 'True') return { reason: stalled.reason, message: stalled.message };
  const failed = input.steps.find((s) => s.state === 'Failed');
  if (failed !== undefined) return { reason: `${failed.name}Failed`, message: failed.message ?? '' };
  return { reason: input.state.phase, message: input.state.phase === 'RolledBack' ? 'rolled back on request' : '' };
}

function successOf(previous: readonly Condition[] | undefined, input: PlanConditionsInput): Why {
  if (input.success !== undefined) return input.success;
  const ready = getCondition(previous, 'Ready');
  if (ready?.status === 'True') return { reason: ready.reason, message: ready.message };
  return { reason: 'Succeeded', message: 'the appliance runs the target levels' };
}
