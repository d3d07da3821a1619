// The rollout's status from a schedule: counts, waves, plans in flight, what needs attention, and
// the conditions (kstatus Ready/Reconciling/Stalled plus Paused, AwaitingApproval and
// WaitingForWindow). Waiting for a person or the clock, paused on failures, suspended or aborted are
// healthy waits: Ready False alone, never Stalled (which is left to input the operator refuses).
import type { Condition, MaintenanceRolloutStatus, ResolvedTarget, RolloutPhase } from '../../api/v1alpha1/index.ts';
import { setCondition, setKStatus, type KStatus } from '../../runtime/conditions.ts';
import type { Schedule } from './schedule.ts';

export function kstatusOf(phase: RolloutPhase, message: string): KStatus {
  switch (phase) {
    case 'Completed':
      return { state: 'Ready', reason: 'Completed', message };
    case 'Progressing':
      return { state: 'Reconciling', reason: 'Progressing', message };
    case 'Paused':
      return { state: 'NotReady', reason: 'FailureBudgetExceeded', message };
    default:
      return { state: 'NotReady', reason: phase, message };
  }
}

export function rolloutConditions(
  previous: readonly Condition[] | undefined,
  phase: RolloutPhase,
  message: string,
  generation: number | undefined,
  now: Date,
): Condition[] {
  const opts = { ...(generation === undefined ? {} : { observedGeneration: generation }), now };
  let list = setKStatus(previous, kstatusOf(phase, message), opts);
  const flag = (type: string, on: boolean, reason: string, text: string) => {
    list = setCondition(
      list,
      { type, status: on ? 'True' : 'False', reason: on ? reason : `Not${type}`, message: on ? text : '' },
      opts,
    );
  };
  flag(
    'Paused',
    phase === 'Paused' || phase === 'Suspended',
    phase === 'Paused' ? 'FailureBudgetExceeded' : 'Suspended',
    message,
  );
  flag('AwaitingApproval', phase === 'AwaitingApproval', 'AwaitingApproval', message);
  flag('WaitingForWindow', phase === 'WaitingForWindow', 'WaitingForWindow', message);
  return list;
}

export function statusOf(
  previous: MaintenanceRolloutStatus | undefined,
  s: Schedule,
  revision: { readonly number: number; readonly hash: string; readonly target: ResolvedTarget },
  generation: number | undefined,
  now: Date,
): MaintenanceRolloutStatus {
  return {
    ...(generation === undefined ? {} : { observedGeneration: generation }),
    revision: revision.number,
    targetHash: revision.hash,
    target: revision.target,
    phase: s.phase,
    progress: s.progress,
    counts: s.counts,
    waves: [...s.waves],
    ...(s.currentWave ? { currentWave: s.currentWave } : {}),
    inFlight: [...s.inFlight],
    needsAttention: [...s.needsAttention],
    failures: s.failures,
    ...(s.nextWindowStart ? { nextWindowStart: s.nextWindowStart } : {}),
    conditions: rolloutConditions(previous?.conditions, s.phase, s.message, generation, now),
  };
}

/**
 * The status that records a new revision (intent first: written before any plan is made for it).
 * It says Progressing at once: the phase and conditions of the revision before (Completed, say)
 * must not stand for the new one until the next pass schedules it.
 */
export function newRevisionStatus(
  previous: MaintenanceRolloutStatus | undefined,
  revision: { readonly number: number; readonly hash: string; readonly target: ResolvedTarget },
  message: string,
  generation: number | undefined,
  now: Date,
): MaintenanceRolloutStatus {
  const base: MaintenanceRolloutStatus = previous ?? {
    revision: 0,
    counts: {
      selected: 0,
      upToDate: 0,
      pending: 0,
      inFlight: 0,
      waitingForSlot: 0,
      waitingForWindow: 0,
      cuttingOver: 0,
      failed: 0,
      rolledBack: 0,
      held: 0,
      unavailable: 0,
    },
    waves: [],
    inFlight: [],
    needsAttention: [],
    failures: { count: 0, acknowledged: 0, consecutive: 0, allowed: 0, exceeded: false },
    conditions: [],
  };
  return {
    ...base,
    ...(generation === undefined ? {} : { observedGeneration: generation }),
    revision: revision.number,
    targetHash: revision.hash,
    target: revision.target,
    phase: 'Progressing',
    conditions: rolloutConditions(base.conditions, 'Progressing', message, generation, now),
  };
}
