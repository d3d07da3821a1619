// The condition set of a MaintenancePlan, from its phase and its steps. Pure.
//
// kstatus: Ready is True only in Succeeded, so `kubectl wait --for=condition=Ready` returns at the
// end. Reconciling is True while the operator works, including the waits it drives itself (a plan
// Pending behind another, a clone booting, a cleanup). Stalled is True when the plan has ended badly
// (Failed, RolledBack) or its input is refused. Waiting for a person (AwaitingApproval, suspend) or
// for the clock (WaitingForWindow) is healthy: Ready False with that reason, Reconciling and Stalled
// False (Argo CD shows Suspended, see config/argocd/maintenanceplan-health.lua). Aborted is the
// user's choice, not a stall.
// Then one condition per step, as DESIGN.md lists them.
import type { ApprovalMode, Step } from '../../api/v1alpha1/index.ts';
import { type Condition, type ConditionInput, getCondition, setCondition } from '../../runtime/conditions.ts';
import { type PlanState, type StepName, isTerminal } from './phases.ts';

/** Condition types set from steps, and the step each reads. */
export const STEP_CONDITIONS: readonly { readonly type: string; readonly step: StepName }[] = [
  { type: 'Approved', step: 'Approve' },
  { type: 'Cloned', step: 'Clone' },
  { type: 'Updated', step: 'Update' },
  { type: 'Verified', step: 'Verify' },
  { type: 'DataSynced', step: 'Sync' },
  { type: 'CutOver', step: 'CutOver' },
  { type: 'RolledBack', step: 'Rollback' },
];

export interface PlanConditionsInput {
  readonly state: PlanState;
  readonly approval: ApprovalMode;
  readonly steps: readonly Pick<Step, 'name' | 'state' | 'message'>[];
  /** spec.suspend is set and the plan stopped at a safe point. */
  readonly suspended: boolean;
  /** The operator waits on something it expects to change by itself (e.g. another plan to finish): Reconciling, with this reason. */
  readonly waiting?: { readonly reason: string; readonly message: string };
  /** The input is refused and the plan waits for a change (e.g. an unknown component in planning). */
  readonly refused?: { readonly reason: string; readonly message: string };
  /**
   * What ended the plan or brought it back (a stepFailed or observeFailed event's reason and
   * message), passed when it happens. Later, the previous Stalled condition keeps it; without
   * either, the Failed step says it.
   */
  readonly failure?: { readonly reason: string; readonly message: string };
  /** How a Succeeded plan succeeded (NoChanges or Succeeded); else the previous Ready reason is kept. */
  readonly success?: { readonly reason: string; readonly message: string };
  readonly observedGeneration: number;
  readonly now: Date;
}

const DOING: Partial<Record<string, string>> = {
  Pending: 'waiting to become the active plan of the appliance',
  Planning: 'comparing the targets with the live levels',
  AwaitingApproval: 'waiting for spec.approvedHash to equal status.preview.hash',
  Snapshotting: 'snapshotting every member',
  Cloning: 'cloning the appliance',
  Updating: 'updating the clone',
  Verifying: 'checking the updated clone',
  Syncing: 'copying the data written meanwhile to the clone',
  WaitingForWindow: 'waiting for the maintenance window to cut over',
  CuttingOver: 'cutting over to the updated clone',
  Observing: 'observing the updated appliance',
  RollingBack: 'rolling back to the original',
  Aborted: 'aborted: the original keeps serving and the clone was removed',
};

/** The plan's conditions; other condition types in `previous` are kept as they are. */
export function planConditions(previous: readonly Condition[] | undefined, input: PlanConditionsInput): Condition[] {
  const { phase, cleanup } = input.state;
  const opts = { observedGeneration: input.observedGeneration, now: input.now };
  let list = [...(previous ?? [])];
  const set = (c: ConditionInput): void => {
    list = setCondition(list, c, opts);
  };

  const stalled =
    phase === 'Failed' || phase === 'RolledBack'
      ? failureOf(previous, input)
      : cleanup === undefined
        ? input.refused
        : undefined;
  const succeeded = phase === 'Succeeded' ? successOf(previous, input) : undefined;
  const terminal = isTerminal(phase);
  const waiting =
    terminal || cleanup !== undefined
      ? undefined
      : input.suspended
        ? 'Suspended'
        : phase === 'AwaitingApproval' || phase === 'WaitingForWindow'
          ? phase
          : undefined;
  const doing =
    cleanup !== undefined
      ? `${cleanup.message}; ${cleanup.action === 'RestoreOriginal' ? 'restoring the original' : 'removing the clone'}`
      : (DOING[phase] ?? phase);

  if (succeeded !== undefined) {
    set({ type: 'Ready', status: 'True', ...succeeded });
  } else {
    const reason =
      cleanup !== undefined ? 'CleaningUp' : waiting === 'Suspended' ? 'Suspended' : (input.waiting?.reason ?? phase);
    const message =
      stalled !== undefined
        ? stalled.message
        : waiting === 'Suspended'
          ? `suspended (spec.suspend) in ${phase}`
          : (input.waiting?.message ?? doing);
    set({ type: 'Ready', status: 'False', reason, message });
  }
  const working = !terminal && waiting === undefined && stalled === undefined;
  set({
    type: 'Reconciling',
    status: working ? 'True' : 'False',
    reason: cleanup !== undefined ? 'CleaningUp' : (waiting ?? input.waiting?.reason ?? phase),
    message: working ? (input.waiting?.message ?? doing) : '',
  });
  set(
    stalled !== undefined
      ? { type: 'Stalled', status: 'True', ...stalled }
      : { type: 'Stalled', status: 'False', reason: phase, message: '' },
  );

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

function failureOf(
  previous: readonly Condition[] | undefined,
  input: PlanConditionsInput,
): { reason: string; message: string } {
  if (input.failure !== undefined) return input.failure;
  const stalled = getCondition(previous, 'Stalled');
  if (stalled?.status === 'True') return { reason: stalled.reason, message: stalled.message };
  const failed = input.steps.find((s) => s.state === 'Failed');
  if (failed !== undefined) return { reason: `${failed.name}Failed`, message: failed.message ?? '' };
  return { reason: input.state.phase, message: input.state.phase === 'RolledBack' ? 'rolled back on request' : '' };
}

function successOf(
  previous: readonly Condition[] | undefined,
  input: PlanConditionsInput,
): { reason: string; message: string } {
  if (input.success !== undefined) return input.success;
  const ready = getCondition(previous, 'Ready');
  if (ready?.status === 'True') return { reason: ready.reason, message: ready.message };
  return { reason: 'Succeeded', message: 'the appliance runs the target levels' };
}
