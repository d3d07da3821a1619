// The phase machine of a MaintenancePlan. Pure: the reconciler observes the world, runs the current
// phase's step, turns its outcome into an event, and stores the resulting state in status.
//
//   Pending -stepSucceeded-> Planning -noChanges-> Succeeded (NoChanges)
//                                     -planned{Automatic}-> Snapshotting
//                                     -planned{Manual}-> AwaitingApproval -stepSucceeded-> Snapshotting
//   Snapshotting -> Cloning -> Updating -> Verifying -> Syncing   (stepSucceeded each, see PIPELINE)
//   Syncing -stepSucceeded{windowOpen, !held}-> CuttingOver
//           -stepSucceeded{!windowOpen}-> WaitingForWindow -stepSucceeded{!held}-> CuttingOver
//           -stepSucceeded{windowOpen, held}-> WaitingForCutOverSlot        (held: spec.cutOverHold)
//   WaitingForWindow -stepSucceeded{held}-> WaitingForCutOverSlot -stepSucceeded{windowOpen}-> CuttingOver
//   WaitingForCutOverSlot -stepSucceeded{!windowOpen}-> WaitingForWindow  (the slot came after the window closed)
//   CuttingOver -stepSucceeded-> Observing -stepSucceeded-> Succeeded
//   Observing -observeFailed{rollbackAutomatic} | rollbackRequested-> RollingBack -stepSucceeded-> RolledBack
//   Succeeded, Failed (after the cut-over) -rollbackRequested{originalRetained}-> RollingBack
//
// Failures and abort follow the phase's row in PIPELINE: before anything exists (Pending, Planning,
// AwaitingApproval) they end the plan at once. From Snapshotting to WaitingForCutOverSlot the plan keeps
// its phase and gets a `cleanup` (remove the clone and everything the plan created), and
// `cleanupDone` ends it in Failed or Aborted: the terminal phase is only reached once the clone is
// gone. A failure during CuttingOver gets a cleanup that first restores the original. Abort is
// refused from CuttingOver on: the original is already stopped, rollback is the way back. A
// rollback that fails gets a cleanup that restarts the clone (it has every write) before Failed.
import type {
  ApprovalMode,
  CleanupAction,
  CleanupStatus,
  MaintenancePlanStatus,
  Phase,
  Step,
} from '../../api/v1alpha1/index.ts';
import { CLEANUP_ACTIONS } from '../../api/v1alpha1/index.ts';
import { isTerminal, rowOf, type StepName } from './pipeline.ts';

export { isTerminal, stepsFor, type StepName } from './pipeline.ts';

/** The undo under way before a terminal phase (status.cleanup; startedAt is set when it is recorded). */
export type Cleanup = Omit<CleanupStatus, 'startedAt'> & { readonly startedAt?: string };

/** The machine's state: the phase, and the cleanup under way before a terminal phase. */
export interface PlanState {
  readonly phase: Phase;
  readonly cleanup?: Cleanup;
}

export type PlanEvent =
  /**
   * The current phase's step finished (see PIPELINE's `next`). Before the cut-over (Syncing and the
   * two waits after it), windowOpen says whether the window is open and held whether the plan waits
   * for a cut-over slot (spec.cutOverHold).
   */
  | { readonly type: 'stepSucceeded'; readonly windowOpen?: boolean; readonly held?: boolean }
  /** Planning found updates and no problems. */
  | { readonly type: 'planned'; readonly approval: ApprovalMode }
  /** Every target is already at its level. */
  | { readonly type: 'noChanges' }
  | { readonly type: 'stepFailed'; readonly step: string; readonly reason: string; readonly message: string }
  | { readonly type: 'abortRequested' }
  | {
      readonly type: 'observeFailed';
      readonly reason: string;
      readonly message: string;
      readonly rollbackAutomatic: boolean;
    }
  /** spec.rollbackNow. From a terminal phase only while the original is retained (cut over, not rolled back, not released). */
  | { readonly type: 'rollbackRequested'; readonly originalRetained?: boolean }
  | { readonly type: 'cleanupDone' };

export interface Transition {
  /** The new state; the old one when the event was refused. */
  readonly state: PlanState;
  /** False when the event does not apply: the state is unchanged and message says why. */
  readonly accepted: boolean;
  /** CamelCase, for the Ready condition and the Event the reconciler records. */
  readonly reason: string;
  readonly message: string;
}

/** The state after `event`, or the same state with accepted false and the reason it does not apply. */
export function transition(state: PlanState, event: PlanEvent): Transition {
  const { phase } = state;
  const to = (next: Phase, reason: string, message: string, cleanup?: Cleanup): Transition => ({
    state: cleanup === undefined ? { phase: next } : { phase: next, cleanup },
    accepted: true,
    reason,
    message,
  });
  const undo = (action: CleanupAction, then: Cleanup['then'], reason: string, message: string, tail: string) =>
    to(phase, reason, `${message}; ${tail}`, { action, then, reason, message });
  const refuse = (reason: string, message: string): Transition => ({ state, accepted: false, reason, message });

  if (isTerminal(phase)) {
    // The one way out of an end: a rollback asked for while the original is still kept.
    if (
      event.type === 'rollbackRequested' &&
      event.originalRetained === true &&
      (phase === 'Succeeded' || phase === 'Failed')
    ) {
      return to('RollingBack', 'RollbackRequested', 'spec.rollbackNow is set: rolling back to the retained original');
    }
    return refuse('Terminal', `the plan is ${phase}: it accepts no more events (${event.type})`);
  }
  if (state.cleanup !== undefined) {
    if (event.type === 'cleanupDone') return to(state.cleanup.then, state.cleanup.reason, state.cleanup.message);
    if (event.type === 'abortRequested') {
      return {
        state,
        accepted: true,
        reason: state.cleanup.reason,
        message: `already cleaning up: ${state.cleanup.message}`,
      };
    }
    return refuse('CleaningUp', `cleaning up before ${state.cleanup.then}; only cleanupDone applies (${event.type})`);
  }

  const row = rowOf(phase);
  switch (event.type) {
    case 'stepSucceeded':
      if (phase === 'Syncing') {
        if (event.windowOpen !== true)
          return to(
            'WaitingForWindow',
            'WaitingForWindow',
            'data synced; the cut-over waits for the maintenance window',
          );
        return event.held === true
          ? to(
              'WaitingForCutOverSlot',
              'WaitingForCutOverSlot',
              'data synced; the cut-over waits for a slot from its rollout (spec.cutOverHold)',
            )
          : to('CuttingOver', 'DataSynced', 'data synced and the window is open; cutting over');
      }
      if (phase === 'WaitingForWindow' && event.held === true) {
        return to(
          'WaitingForCutOverSlot',
          'WindowOpen',
          'the maintenance window is open; the cut-over waits for a slot from its rollout (spec.cutOverHold)',
        );
      }
      if (phase === 'WaitingForCutOverSlot') {
        return event.windowOpen === true
          ? to('CuttingOver', 'CutOverSlotGranted', 'the rollout gave the plan a cut-over slot; cutting over')
          : to(
              'WaitingForWindow',
              'WaitingForWindow',
              'the rollout gave the plan a cut-over slot; the cut-over waits for the maintenance window',
            );
      }
      if (row.next !== undefined) return to(row.next.phase, row.next.reason, row.next.message);
      break;
    case 'noChanges':
      // AwaitingApproval re-plans while it waits: the live levels may have caught up meanwhile.
      if (phase === 'Planning' || phase === 'AwaitingApproval') {
        return to('Succeeded', 'NoChanges', 'every component is already at its target level: nothing to do');
      }
      break;
    case 'planned':
      if (phase !== 'Planning') break;
      return event.approval === 'Manual'
        ? to(
            'AwaitingApproval',
            'AwaitingApproval',
            'set spec.approvedHash to status.preview.hash to approve exactly the previewed updates',
          )
        : to('Snapshotting', 'Planned', 'approval is Automatic; snapshotting');
    case 'stepFailed': {
      const message = `${event.step}: ${event.message}`;
      switch (row.onFailure) {
        case 'End':
          return to('Failed', event.reason, message);
        case 'RemoveClone':
          return undo('RemoveClone', 'Failed', event.reason, message, 'removing the clone');
        case 'RestoreOriginal':
          return undo('RestoreOriginal', 'Failed', event.reason, message, 'restoring the original');
        case 'KeepClone':
          return to('Failed', event.reason, `${message}; the clone is serving and the original is retained`);
        case 'RestoreClone': {
          const failedRollback = `${message}; the rollback failed, so the clone, which has every write, serves again and the original is retained`;
          return to(phase, 'RollbackFailed', `${message}; the rollback failed: restarting the clone`, {
            action: 'RestoreClone',
            then: 'Failed',
            reason: 'RollbackFailed',
            message: failedRollback,
          });
        }
      }
      break;
    }
    case 'abortRequested': {
      const message = 'spec.abort is set: the original keeps serving';
      if (row.onAbort === 'End') return to('Aborted', 'AbortRequested', message);
      if (row.onAbort === 'RemoveClone')
        return undo('RemoveClone', 'Aborted', 'AbortRequested', message, 'removing the clone');
      return refuse(
        'AbortRefused',
        `abort is refused in ${phase}: the original is already stopped and the clone serves; rolling back is the way back`,
      );
    }
    case 'observeFailed':
      if (phase !== 'Observing') break;
      return event.rollbackAutomatic
        ? to('RollingBack', event.reason, `${event.message}; rolling back to the original`)
        : to(
            'Failed',
            event.reason,
            `${event.message}; rollback.automatic is false: the clone keeps serving and the original is retained`,
          );
    case 'rollbackRequested':
      if (phase === 'Observing')
        return to('RollingBack', 'RollbackRequested', 'spec.rollbackNow is set: rolling back to the original');
      break;
    case 'cleanupDone':
      break;
  }
  return refuse('EventNotApplicable', `${event.type} does not apply in phase ${phase}`);
}

/**
 * Whether a suspended plan (spec.suspend) may stay in this phase. Safe points are the boundaries
 * between steps: the reconciler finishes the work it started (an object already created) and
 * starts nothing new. CuttingOver and RollingBack run to their end (the original is stopped or
 * being restored), Observing too (its checks guard the appliance), and so does a cleanup.
 */
export function isSafePoint(state: PlanState | Phase): boolean {
  const s = typeof state === 'string' ? { phase: state } : state;
  if (s.cleanup !== undefined || isTerminal(s.phase)) return false;
  return rowOf(s.phase).safePoint;
}

/** The step a phase works on (WaitingForWindow: the CutOver step, waiting); none for Pending and terminal phases. */
export function stepOf(state: PlanState | Phase): StepName | undefined {
  const s = typeof state === 'string' ? { phase: state } : state;
  if (s.cleanup !== undefined) return 'Cleanup';
  return isTerminal(s.phase) ? undefined : rowOf(s.phase).step;
}

/**
 * status.progress for the printer column: finished steps (Succeeded or Skipped) out of all, e.g.
 * "3/10". Counted from status.steps rather than from the phase: only the steps know how far a
 * Failed or Aborted plan got and which steps were skipped.
 */
export function progress(steps: readonly Pick<Step, 'state'>[]): string {
  const done = steps.filter((s) => s.state === 'Succeeded' || s.state === 'Skipped').length;
  return `${done}/${steps.length}`;
}

/**
 * The machine's state from a stored status: its phase, and the cleanup status.cleanup records. A plan
 * written by the previous version kept its cleanup in the message of a Running Cleanup step
 * ("RemoveClone then Failed (CloneFailed): <message>"): that form is read once, so that an upgrade
 * in the middle of a cleanup resumes it.
 */
export function planStateFromStatus(
  status: Pick<MaintenancePlanStatus, 'phase' | 'steps' | 'cleanup'> | undefined,
): PlanState {
  const phase = status?.phase ?? 'Pending';
  if (isTerminal(phase)) return { phase };
  if (status?.cleanup !== undefined) return { phase, cleanup: status.cleanup };
  const legacy = legacyCleanup(status?.steps.find((s) => s.name === 'Cleanup' && s.state === 'Running'));
  return legacy === undefined ? { phase } : { phase, cleanup: legacy };
}

const LEGACY_CLEANUP_MESSAGE = /^(\w+) then (Failed|Aborted) \(([^()\s]+)\): ([\s\S]*)$/;

function legacyCleanup(step: Pick<Step, 'message' | 'startedAt'> | undefined): Cleanup | undefined {
  const m = step?.message === undefined ? null : LEGACY_CLEANUP_MESSAGE.exec(step.message);
  const action = CLEANUP_ACTIONS.find((a) => a === m?.[1]);
  if (m === null || action === undefined) return undefined;
  return {
    action,
    then: m[2] === 'Aborted' ? 'Aborted' : 'Failed',
    reason: m[3] ?? '',
    message: m[4] ?? '',
    ...(step?.startedAt !== undefined ? { startedAt: step.startedAt } : {}),
  };
}
