// The rollout's scheduler: from the rollout, its appliances and the plans it made, which plans to
// make now, which prepared plans get a cut-over slot, which plans to abort, and the status. Pure:
// `now` is a parameter, nothing is read or written here (the reconciler does the I/O).
//
// Budgets (spec):
// - maxInFlight: unfinished plans of the rollout (of any revision: each holds a clone from its
//   snapshot to its end). A plan is made only while fewer are unfinished.
// - maxCuttingOver: plans holding a cut-over slot (spec.cutOverHold false, unfinished): from the
//   slot through cutting over, observing, rolling back, to their end.
// - maxUnavailable: selected appliances not Ready, plus those holding a slot; a slot is given only
//   while that stays within the budget.
// A plan is made for an appliance of the open wave that is behind the target, not held, not locked
// by another plan, Ready, whose window opens within prepareAhead. A slot goes to a plan waiting in
// WaitingForCutOverSlot whose own window (spec.window, copied from the rollout) is open. Failures
// beyond the budget, suspend and abort stop both.
import {
  ANNOTATION_HOLD,
  MAX_ATTENTION,
  TERMINAL_PHASES,
  type Attention,
  type FailuresStatus,
  type InFlightPlan,
  type MaintenanceWindow,
  type RolloutCounts,
  type RolloutPhase,
  type Target,
  type WaveStatus,
} from '../../api/v1alpha1/index.ts';
import { parseDuration } from '../../runtime/duration.ts';
import { metav1Time } from '../../runtime/time.ts';
import { windowState } from '../maintenance/window.ts';
import { resolveCountOrPercent } from './budget.ts';
import type { RolloutPlan, ScheduleInput } from './facts.ts';
import { failureBudget, isFailure } from './failures.ts';
import { rolloutPlanName } from './names.ts';
import { inRolloutOrder } from './order.ts';
import { matchesSelector } from './selector.ts';
import { assignWaves, waveStates, type WaveProgress } from './waves.ts';
import { mayPrepare, preparesAt, stateOf, windowOf } from './windows.ts';

/** A plan to make. */
export interface PlanToCreate {
  readonly name: string;
  readonly appliance: string;
  readonly wave: string;
  readonly components: readonly Target[];
  readonly baseImage: boolean;
  readonly window?: MaintenanceWindow;
}

/** Where one selected appliance stands in the current revision. */
export type ApplianceState =
  'UpToDate' | 'Pending' | 'InFlight' | 'Failed' | 'RolledBack' | 'Aborted' | 'Held' | 'Locked' | 'InvalidWindow';

export interface Schedule {
  readonly create: readonly PlanToCreate[];
  /** Plans given a cut-over slot (spec.cutOverHold → false). */
  readonly grant: readonly string[];
  /** Plans to abort (spec.abort → true): the rollout is aborted and they have not cut over. */
  readonly abort: readonly string[];
  /** Plans to roll back (spec.rollbackNow → true): RollBackWave, the budget spent, their originals retained. */
  readonly rollBack: readonly string[];
  readonly phase: RolloutPhase;
  readonly message: string;
  readonly progress: string;
  readonly counts: RolloutCounts;
  readonly waves: readonly WaveStatus[];
  readonly currentWave?: string;
  readonly inFlight: readonly InFlightPlan[];
  readonly needsAttention: readonly Attention[];
  readonly failures: FailuresStatus;
  readonly nextWindowStart?: string;
  /** Per selected appliance (metrics, tests). */
  readonly states: ReadonlyMap<string, ApplianceState>;
  /** When something changes by the clock alone (a soak ends, a window opens, preparation may start). */
  readonly wakeAt?: Date;
}

export function isFinished(plan: RolloutPlan): boolean {
  return plan.phase !== undefined && TERMINAL_PHASES.includes(plan.phase);
}

/** Phases in which rollbackNow/abort is still an abort: nothing has been cut over. */
const BEFORE_CUT_OVER = new Set([
  'Pending',
  'Planning',
  'AwaitingApproval',
  'Snapshotting',
  'Cloning',
  'Updating',
  'Verifying',
  'Syncing',
  'WaitingForWindow',
  'WaitingForCutOverSlot',
]);

/**
 * The plans that have not cut over and still wait on the rollout (held, not aborted yet): what
 * spec.abort aborts, and what the rollout's deletion aborts (nobody would give them a slot).
 */
export function notCutOver(plans: readonly RolloutPlan[]): string[] {
  return plans
    .filter((p) => !isFinished(p) && !p.abort && p.cutOverHold && BEFORE_CUT_OVER.has(p.phase ?? 'Pending'))
    .map((p) => p.name);
}

export function schedule(input: ScheduleInput): Schedule {
  const { rollout, revision, now } = input;
  const spec = rollout.spec;
  const prepareAheadMs = parseDuration(spec.prepareAhead, 'spec.prepareAhead');
  const selected = inRolloutOrder(
    input.appliances.filter((a) => matchesSelector(a.labels, spec.selector)),
    rollout.metadata.uid ?? '',
    revision,
  );
  const ours = new Set(input.plans.map((p) => p.name));
  const current = new Map<string, RolloutPlan>();
  for (const p of input.plans) if (p.revision === revision) current.set(p.appliance, p);
  const unfinished = input.plans.filter((p) => !isFinished(p));

  // Where each appliance stands.
  const states = new Map<string, ApplianceState>();
  const attention: Attention[] = [];
  for (const a of selected) {
    const plan = current.get(a.name);
    let state: ApplianceState;
    if (plan !== undefined) {
      state =
        plan.phase === 'Succeeded'
          ? 'UpToDate'
          : plan.phase === 'Failed'
            ? 'Failed'
            : plan.phase === 'RolledBack'
              ? 'RolledBack'
              : plan.phase === 'Aborted'
                ? 'Aborted'
                : 'InFlight';
      if (state === 'Failed' || state === 'RolledBack' || state === 'Aborted')
        attention.push({
          appliance: a.name,
          plan: plan.name,
          reason: state,
          message: plan.message ?? `the plan ended ${state}`,
          ...(plan.endedAt ? { since: metav1Time(plan.endedAt) } : {}),
        });
    } else if (a.standing.upToDate) state = 'UpToDate';
    else if (a.annotations?.[ANNOTATION_HOLD] !== undefined) {
      state = 'Held';
      attention.push({
        appliance: a.name,
        reason: 'Held',
        message: `${ANNOTATION_HOLD}: ${a.annotations[ANNOTATION_HOLD] || '(no reason given)'}`,
      });
    } else if (windowOf(a, spec).kind === 'invalid') {
      const w = windowOf(a, spec);
      state = 'InvalidWindow';
      attention.push({ appliance: a.name, reason: 'InvalidWindow', message: w.kind === 'invalid' ? w.message : '' });
    } else if (a.activePlan !== undefined && a.activePlan !== '' && !ours.has(a.activePlan)) {
      state = 'Locked';
      attention.push({
        appliance: a.name,
        reason: 'Locked',
        message: `waiting for the plan ${a.activePlan}, which holds the appliance's lock`,
      });
    } else state = 'Pending';
    states.set(a.name, state);
  }

  // Waves.
  const waveOf = assignWaves(
    spec,
    selected.map((a) => ({
      name: a.name,
      ...(a.labels ? { labels: a.labels } : {}),
      ...(current.get(a.name) ? { plannedWave: current.get(a.name)?.wave ?? '' } : {}),
      upToDate: states.get(a.name) === 'UpToDate' && !current.has(a.name),
    })),
  );
  const waveNames = [...spec.waves.map((w) => w.name), 'default'];
  const progress: WaveProgress[] = waveNames
    .map((name) => {
      const members = selected.filter((a) => waveOf.get(a.name) === name);
      const ended = members
        .map((a) => current.get(a.name))
        .filter((p): p is RolloutPlan => p !== undefined && isFinished(p) && p.endedAt !== undefined)
        .map((p) => p.endedAt?.getTime() ?? 0);
      const todo = members.filter((a) => {
        const s = states.get(a.name);
        return s === 'Pending' || s === 'Locked' || s === 'InFlight';
      });
      return {
        name,
        appliances: members.length,
        upToDate: members.filter((a) => states.get(a.name) === 'UpToDate').length,
        finished: todo.length === 0,
        started: members.some((a) => current.has(a.name)),
        ...(ended.length > 0 ? { lastEndedAt: new Date(Math.max(...ended)) } : {}),
      };
    })
    .filter((w) => w.appliances > 0 || spec.waves.some((s) => s.name === w.name));
  const waves = waveStates(spec, progress, now);

  const failures = failureBudget(spec, [...current.values()]);
  const rollingBack = failures.exceeded && spec.failurePolicy.action === 'RollBackWave';
  const paused = failures.exceeded && (spec.failurePolicy.action === 'Pause' || rollingBack);
  const rollBack = rollingBack ? rollBackWaves([...current.values()], spec.failurePolicy.countAborted, attention) : [];
  const stopped = spec.abort || spec.suspend || paused;

  // Budgets.
  const create: PlanToCreate[] = [];
  const grant: string[] = [];
  let wakeAt: Date | undefined;
  const wake = (d: Date | undefined) => {
    if (d !== undefined && d.getTime() > now.getTime() && (wakeAt === undefined || d < wakeAt)) wakeAt = d;
  };
  if (waves.soakEndsAt) wake(waves.soakEndsAt);
  let waitingForWindow = 0;
  let nextWindow: Date | undefined;
  const noteWindow = (opensAt: Date | undefined) => {
    waitingForWindow++;
    if (opensAt !== undefined && (nextWindow === undefined || opensAt < nextWindow)) nextWindow = opensAt;
  };

  let freeInFlight = spec.maxInFlight - unfinished.length;
  if (!stopped && waves.open !== undefined) {
    // Appliances whose window is open go first, then by how soon it opens: a plan waiting for a
    // window holds a clone (and an in-flight slot) without making progress.
    const candidates = selected
      .filter((a) => waveOf.get(a.name) === waves.open && states.get(a.name) === 'Pending')
      .map((a) => {
        const chosen = windowOf(a, spec);
        const w = stateOf(chosen, now);
        return { a, chosen, w, opens: w.open ? 0 : (w.opensAt?.getTime() ?? Number.POSITIVE_INFINITY) };
      })
      .sort((x, y) => x.opens - y.opens);
    for (const { a, chosen, w } of candidates) {
      if (!mayPrepare(w, now, prepareAheadMs)) {
        noteWindow(w.opensAt);
        wake(preparesAt(w, prepareAheadMs));
        continue;
      }
      if (!a.ready || freeInFlight <= 0) continue;
      freeInFlight--;
      create.push({
        name: rolloutPlanName(rollout.metadata.name ?? '', revision, a.name),
        appliance: a.name,
        wave: waves.open,
        components: a.standing.components,
        baseImage: a.standing.onBaseImage,
        ...(chosen.kind === 'window' ? { window: chosen.window } : {}),
      });
    }
  }

  const selectedNames = new Set(selected.map((a) => a.name));
  const holders = unfinished.filter((p) => !p.cutOverHold);
  const unavailable = new Set<string>([
    ...selected.filter((a) => !a.ready).map((a) => a.name),
    ...holders.map((p) => p.appliance).filter((n) => selectedNames.has(n)),
  ]);
  const maxUnavailable = resolveCountOrPercent(spec.maxUnavailable, selected.length);
  let slots = holders.length;
  const position = new Map(selected.map((a, i) => [a.name, i]));
  const waveIndex = (p: RolloutPlan) => Math.max(0, waveNames.indexOf(p.wave));
  const waiting = unfinished
    .filter((p) => p.cutOverHold && p.phase === 'WaitingForCutOverSlot')
    .sort((x, y) => waveIndex(x) - waveIndex(y) || (position.get(x.appliance) ?? 0) - (position.get(y.appliance) ?? 0));
  for (const p of waiting) {
    const w = windowState(p.window, now);
    if (!w.open) {
      noteWindow(w.opensAt);
      wake(w.opensAt);
      continue;
    }
    if (stopped || slots >= spec.maxCuttingOver) continue;
    const more = unavailable.has(p.appliance) ? 0 : 1;
    if (unavailable.size + more > maxUnavailable) continue;
    grant.push(p.name);
    slots++;
    unavailable.add(p.appliance);
  }
  // Plans in WaitingForWindow (the window closed before or after the slot): counted as waiting.
  for (const p of unfinished)
    if (p.phase === 'WaitingForWindow') {
      const w = windowState(p.window, now);
      noteWindow(w.opensAt);
      wake(w.opensAt);
    }

  const abort = spec.abort ? notCutOver(unfinished) : [];

  // Counts and status.
  const count = (s: ApplianceState) => [...states.values()].filter((x) => x === s).length;
  const granted = new Set(grant);
  const inFlight: InFlightPlan[] = unfinished
    .filter((p) => p.revision === revision || selectedNames.has(p.appliance))
    .map((p) => ({
      appliance: p.appliance,
      plan: p.name,
      ...(p.phase ? { phase: p.phase } : {}),
      wave: p.wave,
      cutOverSlot: !p.cutOverHold || granted.has(p.name),
    }))
    .sort((a, b) => (a.plan < b.plan ? -1 : 1));
  const counts: RolloutCounts = {
    selected: selected.length,
    upToDate: count('UpToDate'),
    pending: count('Pending') + count('Locked'),
    inFlight: unfinished.length,
    waitingForSlot: waiting.length - grant.length,
    waitingForWindow,
    cuttingOver: slots,
    failed: count('Failed'),
    rolledBack: count('RolledBack'),
    held: count('Held') + count('Locked'),
    unavailable: selected.filter((a) => !a.ready).length,
  };
  const done = counts.pending === 0 && count('InFlight') === 0;
  const phase: RolloutPhase = spec.abort
    ? 'Aborted'
    : spec.suspend
      ? 'Suspended'
      : paused
        ? 'Paused'
        : done && waves.current === undefined
          ? 'Completed'
          : waves.waves.find((w) => w.name === waves.current)?.state === 'Soaking'
            ? 'Soaking'
            : waves.waves.find((w) => w.name === waves.current)?.state === 'AwaitingApproval'
              ? 'AwaitingApproval'
              : unfinished.length === 0 && create.length === 0 && waitingForWindow > 0
                ? 'WaitingForWindow'
                : 'Progressing';
  const progressLine = progressOf(counts);
  attention.sort((a, b) => (b.since ?? '').localeCompare(a.since ?? '') || (a.appliance < b.appliance ? -1 : 1));
  const rollBackNote = rollingBack
    ? `; RollBackWave: the plans of wave(s) ${[...failedWaves([...current.values()], spec.failurePolicy.countAborted)].join(', ')} that cut over roll back while their originals are retained`
    : '';
  return {
    create,
    grant,
    abort,
    rollBack,
    phase,
    message: messageOf(phase, progressLine, failures, waves.current, attention) + rollBackNote,
    progress: progressLine,
    counts,
    waves: waves.waves,
    ...(waves.current ? { currentWave: waves.current } : {}),
    inFlight,
    needsAttention: attention.slice(0, MAX_ATTENTION),
    failures,
    ...(nextWindow ? { nextWindowStart: metav1Time(nextWindow) } : {}),
    states,
    ...(wakeAt ? { wakeAt } : {}),
  };
}

/** The waves in which a plan of the revision counts as failed (a rollback on request is no failure). */
function failedWaves(plans: readonly RolloutPlan[], countAborted: boolean): Set<string> {
  return new Set(
    plans
      .filter((p) => isFailure(p.phase, countAborted) && !(p.rollbackNow === true && p.phase === 'RolledBack'))
      .map((p) => p.wave),
  );
}

/**
 * RollBackWave: every plan of a wave with a failure that cut over and can still go back (Observing,
 * or ended with its original retained) is rolled back; one whose original is gone cannot, and is
 * named in `attention`. Plans that have not cut over stay held (the rollout is paused).
 */
export function rollBackWaves(plans: readonly RolloutPlan[], countAborted: boolean, attention: Attention[]): string[] {
  const waves = failedWaves(plans, countAborted);
  const out: string[] = [];
  for (const p of plans) {
    if (!waves.has(p.wave) || p.rollbackNow === true) continue;
    const ended = p.phase === 'Succeeded' || p.phase === 'Failed';
    if (p.phase === 'Observing' || (ended && p.originalRetained === true)) out.push(p.name);
    else if (p.phase === 'Succeeded')
      attention.push({
        appliance: p.appliance,
        plan: p.name,
        reason: 'CannotRollBack',
        message: `wave ${p.wave} is rolled back, but this plan's original is no longer retained (spec.plan.rollback.retainOriginalFor ran out): it stays on the new target`,
        ...(p.endedAt ? { since: metav1Time(p.endedAt) } : {}),
      });
  }
  return out.sort();
}

/** "4/6 up to date, 1 in flight, 1 waiting for a slot, 1 failed". */
export function progressOf(c: RolloutCounts): string {
  const parts = [`${String(c.upToDate)}/${String(c.selected)} up to date`, `${String(c.inFlight)} in flight`];
  if (c.waitingForSlot > 0) parts.push(`${String(c.waitingForSlot)} waiting for a slot`);
  if (c.waitingForWindow > 0) parts.push(`${String(c.waitingForWindow)} waiting for a window`);
  const failed = c.failed + c.rolledBack;
  if (failed > 0) parts.push(`${String(failed)} failed`);
  return parts.join(', ');
}

function messageOf(
  phase: RolloutPhase,
  progress: string,
  failures: FailuresStatus,
  wave: string | undefined,
  attention: readonly Attention[],
): string {
  switch (phase) {
    case 'Paused': {
      const failed = attention
        .filter((a) => a.reason === 'Failed' || a.reason === 'RolledBack')
        .map((a) => a.appliance);
      return `paused: ${String(failures.count - failures.acknowledged)} unacknowledged failure(s) (${failed.join(', ')}), ${String(failures.allowed)} allowed; raise spec.acknowledgedFailures to ${String(failures.count)} to resume`;
    }
    case 'Suspended':
      return `suspended (spec.suspend); ${progress}`;
    case 'Aborted':
      return `aborted (spec.abort); ${progress}`;
    case 'AwaitingApproval':
      return `wave ${wave ?? ''} waits for approval: add it to spec.approvedWaves`;
    case 'Soaking':
      return `wave ${wave ?? ''} soaking; ${progress}`;
    case 'WaitingForWindow':
      return `waiting for a window; ${progress}`;
    case 'Completed':
      return progress;
    case 'Progressing':
      return wave === undefined ? progress : `wave ${wave}: ${progress}`;
  }
}
