// What a user asks through spec.abort and spec.rollbackNow, when the plan cannot do it (now or ever).
// Pure. The reconciler records the answer as a Warning Event once per spec change, so that a
// `kubectl patch` that changes nothing does not go unanswered.
import type { Phase } from '../../api/v1alpha1/index.ts';
import { transition, type PlanState } from './phases.ts';
import { isTerminal, workingRow } from './pipeline.ts';

/** What the reconciler knows of the plan's cut-over and the original it retains. */
export interface RequestFacts {
  /** The Services moved to the clone (status.cutOver.servicesSwitchedAt). */
  readonly cutOver: boolean;
  /** The stopped original is still kept for a rollback (see originalRetained). */
  readonly originalRetained: boolean;
  /** A rollback started (status.rollback). */
  readonly rolledBack: boolean;
}

export interface RequestNotice {
  /** CamelCase Event reason. */
  readonly reason: string;
  readonly message: string;
}

/** Whether the cut-over has not started: the original has not stopped (an abort still applies there). */
function beforeCutOver(phase: Phase): boolean {
  return workingRow(phase)?.onAbort !== 'Refuse' && !isTerminal(phase);
}

/** Whether an abort changes anything in this state (before the cut-over, and not already cleaning up). */
export function abortApplies(state: PlanState): boolean {
  return (
    !isTerminal(state.phase) && state.cleanup === undefined && transition(state, { type: 'abortRequested' }).accepted
  );
}

/** Why spec.abort does nothing in this state, or undefined when it applies (or is not set). */
export function abortNotice(abort: boolean, state: PlanState): RequestNotice | undefined {
  if (!abort) return undefined;
  if (isTerminal(state.phase))
    return { reason: 'AbortRefused', message: `the plan is ${state.phase}: there is nothing left to abort` };
  const t = transition(state, { type: 'abortRequested' });
  return t.accepted ? undefined : { reason: t.reason, message: t.message };
}

/** Why spec.rollbackNow does not (yet) roll back in this state, or undefined when it does (or is not set). */
export function rollbackNotice(rollbackNow: boolean, state: PlanState, facts: RequestFacts): RequestNotice | undefined {
  if (!rollbackNow || state.phase === 'RollingBack' || state.phase === 'RolledBack') return undefined;
  if (facts.rolledBack) {
    return state.phase === 'Failed'
      ? {
          reason: 'RollbackRefused',
          message:
            'a rollback already ran and failed: the clone serves with every write and the original is retained; roll back by hand',
        }
      : undefined;
  }
  if (transition(state, { type: 'rollbackRequested', originalRetained: facts.originalRetained }).accepted)
    return undefined;
  if (state.phase === 'CuttingOver')
    return {
      reason: 'RollbackDeferred',
      message: 'the cut-over is under way: the plan rolls back as soon as the clone serves',
    };
  if (beforeCutOver(state.phase)) {
    return {
      reason: 'RollbackDeferred',
      message:
        'the plan has not cut over yet: it will roll back as soon as the clone serves; set spec.abort to stop it now with the original serving',
    };
  }
  if (!facts.cutOver)
    return { reason: 'RollbackRefused', message: `the plan is ${state.phase} and never cut over: the original serves` };
  return {
    reason: 'RollbackRefused',
    message: `the plan is ${state.phase} and the original is no longer retained (rollback.retainOriginalFor ran out): there is nothing to roll back to`,
  };
}
