// The third part of a pass, and all of its decisions: from what was observed and what the pass did,
// the new status (phase, steps, records, conditions), the Events, the phase change for the metrics
// and when to look again. Pure: every rule here has a unit test (test/.../decide.test.ts).
import type { MaintenancePlanStatus, Phase, Step, SyncRound } from '../../api/v1alpha1/index.ts';
import { PROGRESSING_WITH_RETRY, getCondition } from '../../runtime/conditions.ts';
import type { ReconcileResult } from '../../runtime/controller.ts';
import { metav1Time } from '../../runtime/time.ts';
import { cleanupResult, cleanupRetainsClone, cleanupUnderWay } from './cleanups.ts';
import { planConditions, type Why } from './conditions.ts';
import type { Observed } from './observe.ts';
import type { StepOutcome, StepRecord } from './outcome.ts';
import type { PassResult } from './pass.ts';
import { isSafePoint, progress, stepOf, transition, type Cleanup, type PlanEvent, type PlanState } from './phases.ts';
import { isTerminal } from './pipeline.ts';
import { abortNotice, rollbackNotice } from './requests.ts';
import { changesNothing } from './preview-hash.ts';
import { markStep, type StepUpdate } from './step-status.ts';
import { nextWindowStart } from './window.ts';

/** While a step waits on objects whose changes are not all watched, look again this often. */
export const POLL_MS = 1_000;

/** An Event to record about the plan. */
export interface PlanEventRecord {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

export interface Decision {
  /** The status to write (written only when it differs from the stored one); none once the plan is gone. */
  readonly status?: MaintenancePlanStatus;
  readonly events: readonly PlanEventRecord[];
  /** The phase change of this pass, for the metrics. */
  readonly phaseChange?: { readonly from: Phase; readonly to: Phase };
  readonly result: ReconcileResult;
}

export function decide(seen: Observed, pass: PassResult): Decision {
  if (pass.kind === 'finalized') {
    return {
      events: pass.message === '' ? [] : [{ type: 'Normal', reason: 'Deleted', message: pass.message }],
      result: {},
    };
  }
  const { state, plan, now } = seen;
  const outcome = pass.kind === 'step' ? pass.outcome : undefined;
  const event = eventOf(seen, pass);
  const t = event === undefined ? undefined : transition(state, event);
  const accepted = t?.accepted === true ? t.state : state;
  // A new cleanup is stamped with its start.
  const next: PlanState =
    accepted.cleanup !== undefined && state.cleanup === undefined
      ? { ...accepted, cleanup: { ...accepted.cleanup, startedAt: metav1Time(now) } }
      : accepted;
  const changed = next.phase !== state.phase || next.cleanup !== state.cleanup;

  const steps = nextSteps(seen, pass, event, t?.message, next);
  const suspended = plan.spec.suspend && isSafePoint(next);
  const failure: Why | undefined =
    event?.type === 'stepFailed' || event?.type === 'observeFailed'
      ? { reason: event.reason, message: event.message }
      : event?.type === 'cleanupDone' && state.cleanup !== undefined
        ? { reason: state.cleanup.reason, message: state.cleanup.message }
        : undefined;
  const success: Why | undefined =
    event?.type === 'noChanges' || (event?.type === 'stepSucceeded' && state.phase === 'Observing')
      ? { reason: t?.reason ?? 'Succeeded', message: t?.message ?? '' }
      : undefined;
  const waiting =
    outcome?.kind === 'wait' && outcome.reason !== undefined && outcome.stalled !== true
      ? { reason: outcome.reason, message: outcome.message }
      : undefined;
  // A wait on a person's answer (a version to state) is a stall, like a refused input.
  const stalled =
    outcome?.kind === 'wait' && outcome.stalled === true
      ? { reason: outcome.reason ?? 'Stalled', message: outcome.message }
      : undefined;
  const conditions = planConditions(seen.status.conditions, {
    state: next,
    approval: plan.spec.approval,
    failedClonePolicy: plan.spec.failedClonePolicy,
    steps,
    suspended,
    ...(pass.kind === 'refused' ? { refused: { reason: pass.reason, message: pass.message } } : {}),
    ...(stalled === undefined ? {} : { refused: stalled }),
    ...(pass.kind === 'error' ? { error: { message: errorText(seen, pass.message) } } : {}),
    ...(waiting !== undefined ? { waiting } : {}),
    ...(failure !== undefined ? { failure } : {}),
    ...(success !== undefined ? { success } : {}),
    observedGeneration: seen.generation,
    now,
  });

  const record =
    pass.kind === 'step' || pass.kind === 'release' || pass.kind === 'deleting' ? pass.outcome.record : undefined;
  const status = nextStatus(seen, next, steps, conditions, record);
  return {
    status,
    events: events(seen, pass, t, next),
    ...(changed && next.phase !== state.phase ? { phaseChange: { from: state.phase, to: next.phase } } : {}),
    result: requeue(seen, pass, next, changed, suspended),
  };
}

/** The event this pass feeds the phase machine, if any. */
export function eventOf(seen: Observed, pass: PassResult): PlanEvent | undefined {
  if (pass.kind === 'request') return pass.event;
  if (pass.kind !== 'step') return undefined;
  const { state, plan } = seen;
  const o = pass.outcome;
  if (state.cleanup !== undefined) return o.kind === 'done' ? { type: 'cleanupDone' } : undefined;
  if (o.kind === 'failed') {
    if (state.phase === 'Observing') {
      return {
        type: 'observeFailed',
        reason: o.reason,
        message: o.message,
        rollbackAutomatic: plan.spec.rollback.automatic,
      };
    }
    return { type: 'stepFailed', step: stepOf(state) ?? state.phase, reason: o.reason, message: o.message };
  }
  if (o.kind !== 'done') return undefined;
  const nothingToDo = changesNothing(o.record?.preview);
  switch (state.phase) {
    case 'Planning':
      return nothingToDo ? { type: 'noChanges' } : { type: 'planned', approval: plan.spec.approval };
    case 'AwaitingApproval':
      return nothingToDo ? { type: 'noChanges' } : { type: 'stepSucceeded' };
    case 'Syncing':
    case 'WaitingForWindow':
    case 'WaitingForCutOverSlot':
      return { type: 'stepSucceeded', windowOpen: seen.window.open, held: plan.spec.cutOverHold };
    default:
      return { type: 'stepSucceeded' };
  }
}

/** The waits in front of the cut-over: the CutOver step has not started in them. */
function waitsBeforeCutOver(phase: Phase): boolean {
  return phase === 'WaitingForWindow' || phase === 'WaitingForCutOverSlot';
}

/** What the outcome of the current step makes of it. */
function stepUpdate(state: PlanState, o: StepOutcome, transitionMessage: string | undefined): StepUpdate {
  // The Cleanup step shows what is undone; its progress says how far it got.
  if (state.cleanup !== undefined) {
    return {
      kind: 'running',
      message: cleanupStepMessage(state.cleanup),
      progress: (o.kind === 'done' ? 'done' : o.message).slice(0, 64),
    };
  }
  if (o.kind === 'failed') return { kind: 'failed', message: o.message };
  if (o.kind === 'done') {
    const message = o.message ?? transitionMessage;
    return { kind: 'succeeded', ...(message ? { message } : {}) };
  }
  return { kind: 'running', message: o.message, ...(o.progress ? { progress: o.progress } : {}) };
}

/** The Cleanup step's message while it runs. */
function cleanupStepMessage(cleanup: Cleanup): string {
  return `${cleanup.reason}: ${cleanup.message}`;
}

/** status.steps after this pass: the current step runs, succeeds or fails; the next one starts. */
function nextSteps(
  seen: Observed,
  pass: PassResult,
  event: PlanEvent | undefined,
  transitionMessage: string | undefined,
  next: PlanState,
): Step[] {
  const { state, plan, now, currentStep } = seen;
  let steps = [...seen.steps];
  const mark = (name: Parameters<typeof markStep>[1], update: StepUpdate) => {
    steps = markStep(steps, name, update, now);
  };
  // The current step runs, succeeds or fails (a wait for the window or a slot is the CutOver step, not started yet).
  if (currentStep !== undefined && pass.kind === 'step' && !waitsBeforeCutOver(state.phase)) {
    mark(currentStep, stepUpdate(state, pass.outcome, transitionMessage));
  }
  if (next.phase !== state.phase || next.cleanup !== state.cleanup) {
    if (event?.type === 'noChanges') {
      for (const name of seen.planned) if (name !== 'Plan') mark(name, { kind: 'skipped', message: 'no changes' });
    }
    if (next.cleanup !== undefined && state.cleanup === undefined) {
      steps = [
        ...steps.filter((s) => s.name !== 'Cleanup'),
        { name: 'Cleanup', state: 'Running', message: cleanupStepMessage(next.cleanup), startedAt: metav1Time(now) },
      ];
    }
    if (state.cleanup !== undefined && next.cleanup === undefined) {
      mark('Cleanup', { kind: 'succeeded', message: cleanupResult(state.cleanup, plan.spec.failedClonePolicy) });
    }
    if (next.phase === 'RollingBack' && next.cleanup === undefined) mark('Rollback', { kind: 'running' });
    if (next.phase === 'RollingBack' && state.phase === 'Observing' && event?.type === 'rollbackRequested') {
      mark('Observe', { kind: 'skipped', message: 'stopped by spec.rollbackNow' });
    }
    if (next.phase === 'RollingBack' && isTerminal(state.phase)) {
      mark('Release', { kind: 'skipped', message: 'rolled back: the original serves again' });
    }
    const nextStep = stepOf(next);
    if (nextStep !== undefined && nextStep !== 'Cleanup' && !waitsBeforeCutOver(next.phase))
      mark(nextStep, { kind: 'running' });
  }
  if (pass.kind === 'release') {
    const o = pass.outcome;
    mark(
      'Release',
      o.kind === 'done'
        ? { kind: 'succeeded', message: o.message ?? 'released' }
        : o.kind === 'wait'
          ? { kind: 'running', message: o.message }
          : { kind: 'failed', message: o.message },
    );
  }
  return steps;
}

/** The status to write: the stored one with this pass's state, steps, conditions and the step's record merged in. */
function nextStatus(
  seen: Observed,
  next: PlanState,
  steps: Step[],
  conditions: MaintenancePlanStatus['conditions'],
  record: StepRecord | undefined,
): MaintenancePlanStatus {
  const { status } = seen;
  const preview = record?.preview ?? status.preview;
  const cutOver = record?.cutOver === undefined ? status.cutOver : { ...status.cutOver, ...record.cutOver };
  const rollback = record?.rollback === undefined ? status.rollback : { ...status.rollback, ...record.rollback };
  const downtimeSeconds = record?.downtimeSeconds ?? status.downtimeSeconds;
  const cloneUIDs = record?.cloneUIDs ?? status.cloneUIDs;
  const projection = record?.projection ?? status.projection;
  const windowStart = next.phase === 'WaitingForWindow' ? nextWindowStart(seen.window) : undefined;
  return {
    observedGeneration: seen.generation,
    phase: next.phase,
    progress: progress(steps),
    ...(preview !== undefined ? { preview } : {}),
    steps,
    syncRounds: withRound(status.syncRounds, record?.syncRound),
    ...(cloneUIDs !== undefined ? { cloneUIDs: [...cloneUIDs] } : {}),
    ...(projection !== undefined ? { projection } : {}),
    ...(cutOver !== undefined ? { cutOver } : {}),
    ...(rollback !== undefined ? { rollback } : {}),
    ...(next.cleanup !== undefined
      ? { cleanup: { ...next.cleanup, startedAt: next.cleanup.startedAt ?? metav1Time(seen.now) } }
      : {}),
    ...(downtimeSeconds !== undefined ? { downtimeSeconds } : {}),
    ...(windowStart !== undefined ? { nextWindowStart: windowStart } : {}),
    conditions,
  };
}

function withRound(rounds: readonly SyncRound[], round: SyncRound | undefined): SyncRound[] {
  return round === undefined || rounds.some((r) => r.round === round.round) ? [...rounds] : [...rounds, round];
}

/** The Ready and Reconciling message of an error: which step ran into it. */
function errorText(seen: Observed, message: string): string {
  const step = seen.currentStep ?? seen.state.phase;
  return `${step}: ${message} (retrying)`;
}

/** The Events of this pass. */
function events(
  seen: Observed,
  pass: PassResult,
  t: ReturnType<typeof transition> | undefined,
  next: PlanState,
): PlanEventRecord[] {
  const { state, plan, status } = seen;
  const list: PlanEventRecord[] = [];
  const warning = (reason: string, message: string) => list.push({ type: 'Warning', reason, message });
  // A spec change asking for what cannot be done (abort after the cut-over, a rollback with nothing
  // to roll back to) is answered once, when it is first seen.
  if (seen.generation !== status.observedGeneration) {
    for (const notice of [
      abortNotice(plan.spec.abort, state),
      rollbackNotice(plan.spec.rollbackNow, state, seen.requests),
    ]) {
      if (notice !== undefined) warning(notice.reason, notice.message);
    }
  }
  // An error is said once, when it first appears (Ready already carries it otherwise).
  if (pass.kind === 'error') {
    const text = errorText(seen, pass.message);
    const ready = getCondition(status.conditions, 'Ready');
    if (ready?.reason !== PROGRESSING_WITH_RETRY || ready.message !== text) warning('ReconcileError', text);
  }
  if (next.phase !== state.phase) {
    const reason = t?.reason ?? next.phase;
    const message = t?.message ?? next.phase;
    list.push({ type: next.phase === 'Failed' || next.phase === 'RolledBack' ? 'Warning' : 'Normal', reason, message });
    if (
      next.phase === 'Failed' &&
      state.cleanup !== undefined &&
      cleanupRetainsClone(plan.spec.failedClonePolicy, state.cleanup)
    ) {
      warning(
        'CloneRetained',
        `the failed clone is kept for inspection behind NetworkPolicy ${seen.facts?.names.networkPolicy ?? ''}, reachable through the -preview Services; the appliance stays locked: delete the plan to remove the clone and free it`,
      );
    }
  } else if (next.cleanup !== undefined && state.cleanup === undefined) {
    warning(
      next.cleanup.reason,
      `${next.cleanup.message}; ${cleanupUnderWay(next.cleanup, plan.spec.failedClonePolicy)}`,
    );
  }
  // A round that compared because its CSI driver could not give changed blocks says why, once.
  const round = pass.kind === 'step' ? pass.outcome.record?.syncRound : undefined;
  if (round?.rangesFallback !== undefined && !status.syncRounds.some((r) => r.round === round.round))
    warning(
      'ChangedBlocksUnavailable',
      `sync round ${String(round.round)} compared the volumes: ${round.rangesFallback}`,
    );
  // What the preview warns about is said once, when it first appears.
  const warnings = (pass.kind === 'step' ? pass.outcome.record?.preview?.warnings : undefined) ?? [];
  const known = new Set(status.preview?.warnings ?? []);
  for (const w of warnings) if (!known.has(w)) warning('PlanWarning', w);
  return list;
}

/** When to look again. */
function requeue(
  seen: Observed,
  pass: PassResult,
  next: PlanState,
  changed: boolean,
  suspended: boolean,
): ReconcileResult {
  if (pass.kind === 'error') return {};
  // An ended plan is looked at again when it changes (its own status write is such a change); its
  // release, or its deletion's, polls: a scratch volume it waits for carries no label of the plan.
  if (isTerminal(next.phase) && pass.kind !== 'release' && pass.kind !== 'deleting') return {};
  if (changed) return { requeueAfterMs: 1 };
  // The appliance's creation wakes the plan (the controller watches appliances): no polling, or
  // every plan naming a missing appliance would be reconciled every second for as long as it exists.
  if (suspended || pass.kind === 'refused') return {};
  const outcome =
    pass.kind === 'step' || pass.kind === 'release' || pass.kind === 'deleting' ? pass.outcome : undefined;
  if (outcome?.kind === 'wait' && outcome.watched === true) return {};
  return { requeueAfterMs: (outcome?.kind === 'wait' ? outcome.requeueAfterMs : undefined) ?? POLL_MS };
}
