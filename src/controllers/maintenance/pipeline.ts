// The maintenance, in order: one row per working phase, saying everything the rest of the controller
// needs to know about it. Pure data. The phase machine (phases.ts), the conditions (conditions.ts),
// spec.abort and spec.rollbackNow (requests.ts), deletion (deletion.ts) and the handling of API
// errors (pass.ts) all read this table; the runner of each phase is in runners.ts, whose type makes a
// missing runner a compile error. Adding a step is one row here, one runner and one test.
import type { CleanupAction, Phase } from '../../api/v1alpha1/index.ts';
import { TERMINAL_PHASES } from '../../api/v1alpha1/index.ts';

/** Step names, as status.steps[].name. */
export type StepName =
  | 'Plan'
  | 'Approve'
  | 'Snapshot'
  | 'Clone'
  | 'Update'
  | 'Verify'
  | 'Sync'
  | 'CutOver'
  | 'Observe'
  | 'Release'
  | 'Rollback'
  | 'Cleanup';

/** The phases after which the plan does no more work of its own (but the release of the original). */
export type TerminalPhase = 'Succeeded' | 'Failed' | 'Aborted' | 'RolledBack';
/** The phases in which the plan works: each has a row and a runner. */
export type WorkingPhase = Exclude<Phase, TerminalPhase>;

/** Where a finished step leads. */
export interface Successor {
  readonly phase: Phase;
  /** CamelCase: the reason of the Event and of the Ready condition. */
  readonly reason: string;
  readonly message: string;
}

export interface PipelineRow {
  readonly phase: WorkingPhase;
  /** The status.steps[] entry the phase works on; Pending has none. */
  readonly step?: StepName;
  /** The condition that mirrors the step's state, besides Ready, Reconciling and Stalled. */
  readonly condition?: string;
  /** What the plan is doing, for the Ready and Reconciling messages. */
  readonly doing: string;
  /**
   * Where the finished step leads. Absent where it depends on more than the step: Planning (the
   * approval mode, or nothing to do), Syncing and WaitingForCutOverSlot (whether the window is
   * open, whether the plan is held for a cut-over slot).
   */
  readonly next?: Successor;
  /**
   * What a failed step does: end the plan at once (nothing exists yet), undo first (a cleanup
   * action, then Failed), or end Failed with the clone serving and the original retained.
   */
  readonly onFailure: 'End' | CleanupAction | 'KeepClone';
  /** What spec.abort does: end the plan, remove the clone first, or nothing (refused: the original is stopped). */
  readonly onAbort: 'End' | 'RemoveClone' | 'Refuse';
  /** What deleting the plan does (see deletion.ts). */
  readonly onDelete: 'none' | 'removeClone' | 'finishStep' | 'releaseOriginal';
  /** Whether spec.suspend may hold the plan here: a boundary between steps, before the cut-over. */
  readonly safePoint: boolean;
  /**
   * Whether the appliance is down meanwhile (the original, or in a rollback the clone, is stopped):
   * an API error that retrying will not cure then fails the step at once, so that the undo runs,
   * and a transient one fails it at the step deadline.
   */
  readonly downtime: boolean;
}

const beforeAnything = {
  onFailure: 'End',
  onAbort: 'End',
  onDelete: 'none',
  safePoint: true,
  downtime: false,
} as const;
const withClone = {
  onFailure: 'RemoveClone',
  onAbort: 'RemoveClone',
  onDelete: 'removeClone',
  safePoint: true,
  downtime: false,
} as const;

export const PIPELINE = [
  {
    phase: 'Pending',
    doing: 'waiting to become the active plan of the appliance',
    next: { phase: 'Planning', reason: 'Admitted', message: 'this plan is the active plan of the appliance; planning' },
    ...beforeAnything,
  },
  { phase: 'Planning', step: 'Plan', doing: 'comparing the targets with the live levels', ...beforeAnything },
  {
    phase: 'AwaitingApproval',
    step: 'Approve',
    condition: 'Approved',
    doing: 'waiting for spec.approvedHash to equal status.preview.hash',
    next: { phase: 'Snapshotting', reason: 'Approved', message: 'spec.approvedHash matches the preview; snapshotting' },
    ...beforeAnything,
  },
  {
    phase: 'Snapshotting',
    step: 'Snapshot',
    doing: 'snapshotting every member',
    next: { phase: 'Cloning', reason: 'Snapshotted', message: 'every member was snapshotted; cloning' },
    ...withClone,
  },
  {
    phase: 'Cloning',
    step: 'Clone',
    condition: 'Cloned',
    doing: 'cloning the appliance',
    next: { phase: 'Updating', reason: 'Cloned', message: 'the clone is ready; updating it' },
    ...withClone,
  },
  {
    phase: 'Updating',
    step: 'Update',
    condition: 'Updated',
    doing: 'updating the clone',
    next: {
      phase: 'Verifying',
      reason: 'Updated',
      message: 'every component of the clone is at its target level; verifying',
    },
    ...withClone,
  },
  {
    phase: 'Verifying',
    step: 'Verify',
    condition: 'Verified',
    doing: 'checking the updated clone',
    next: { phase: 'Syncing', reason: 'Verified', message: 'the clone passed its checks; syncing data' },
    ...withClone,
  },
  {
    phase: 'Syncing',
    step: 'Sync',
    condition: 'DataSynced',
    doing: 'copying the data written meanwhile to the clone',
    ...withClone,
  },
  {
    phase: 'WaitingForWindow',
    step: 'CutOver',
    doing: 'waiting for the maintenance window to cut over',
    next: { phase: 'CuttingOver', reason: 'WindowOpen', message: 'the maintenance window is open; cutting over' },
    ...withClone,
  },
  {
    phase: 'WaitingForCutOverSlot',
    step: 'CutOver',
    doing: 'waiting for a cut-over slot from its rollout (spec.cutOverHold)',
    ...withClone,
  },
  {
    phase: 'CuttingOver',
    step: 'CutOver',
    condition: 'CutOver',
    doing: 'cutting over to the updated clone',
    next: { phase: 'Observing', reason: 'CutOver', message: 'the Services select the updated clone; observing it' },
    onFailure: 'RestoreOriginal',
    onAbort: 'Refuse',
    onDelete: 'finishStep',
    safePoint: false,
    downtime: true,
  },
  {
    phase: 'Observing',
    step: 'Observe',
    doing: 'observing the updated appliance',
    next: {
      phase: 'Succeeded',
      reason: 'Succeeded',
      message: 'the updated appliance passed its checks for the observation period',
    },
    onFailure: 'KeepClone',
    onAbort: 'Refuse',
    onDelete: 'releaseOriginal',
    safePoint: false,
    downtime: false,
  },
  {
    phase: 'RollingBack',
    step: 'Rollback',
    condition: 'RolledBack',
    doing: 'rolling back to the original',
    next: {
      phase: 'RolledBack',
      reason: 'RolledBack',
      message: 'the original serves again with the writes made to the clone synced back',
    },
    onFailure: 'RestoreClone',
    onAbort: 'Refuse',
    onDelete: 'finishStep',
    safePoint: false,
    downtime: true,
  },
] as const satisfies readonly PipelineRow[];

/** Whether no more events apply (but a rollback while the original is retained). */
export function isTerminal(phase: Phase): phase is TerminalPhase {
  return TERMINAL_PHASES.includes(phase);
}

/** The row of a working phase. */
export function rowOf(phase: WorkingPhase): PipelineRow {
  const row = PIPELINE.find((r) => r.phase === phase);
  if (row === undefined) throw new Error(`no pipeline row for phase ${phase}`);
  return row;
}

/** The row of a phase, or undefined for a terminal one. */
export function workingRow(phase: Phase): PipelineRow | undefined {
  return isTerminal(phase) ? undefined : rowOf(phase);
}

/** Condition types set from steps, and the step each reads, in pipeline order. */
export const STEP_CONDITIONS: readonly { readonly type: string; readonly step: StepName }[] = PIPELINE.flatMap(
  (r: PipelineRow) => (r.condition !== undefined && r.step !== undefined ? [{ type: r.condition, step: r.step }] : []),
);

/**
 * The steps of a run, in order, for status.steps[]: every phase that the run passes through has its
 * step here, so Approve is listed only with approval Manual; Observe is listed even with
 * rollback.observeSeconds 0 (it then checks the appliance once). Release (deleting the retained original after
 * retainOriginalFor, once the plan Succeeded) is last. Rollback and Cleanup are appended only
 * when they happen.
 */
export function stepsFor(spec: { readonly approval: 'Automatic' | 'Manual' }): StepName[] {
  const steps: StepName[] = [];
  for (const row of PIPELINE as readonly PipelineRow[]) {
    if (row.step === undefined || steps.includes(row.step) || row.step === 'Rollback') continue;
    if (row.step === 'Approve' && spec.approval !== 'Manual') continue;
    steps.push(row.step);
  }
  return [...steps, 'Release'];
}
