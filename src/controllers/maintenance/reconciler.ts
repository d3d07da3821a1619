// Reconciles one MaintenancePlan: observe, run the current phase's step once, feed what happened to
// the phase machine, and write status (steps, rounds, conditions) in one place at the end, with an
// Event for every phase change. Every step is idempotent; progress lives in status.
import {
  API_VERSION,
  MAINTENANCE_PLAN_KIND,
  MaintenancePlanSchema,
  type FailedClonePolicy,
  type MaintenancePlan,
  type MaintenancePlanStatus,
  type VirtualAppliance,
} from '../../api/v1alpha1/index.ts';
import { fieldPath } from '../../api/v1alpha1/parse.ts';
import { applyStatus } from '../../runtime/apply.ts';
import { conditionsEqual, setKStatus } from '../../runtime/conditions.ts';
import { addFinalizer, hasFinalizer, isDeleting, removeFinalizer } from '../../runtime/finalizers.ts';
import type { ControllerDeps, ReconcileContext, ReconcileRequest, ReconcileResult } from '../../runtime/controller.ts';
import { planConditions } from './conditions.ts';
import { stepContext, type StepContext } from './context.ts';
import { PLAN_FINALIZER } from './deletion.ts';
import { finalizeDeletion } from './finalize.ts';
import { cleanupRetainsClone, cloneRetained } from './failed-clone.ts';
import { acquireLock, lockState, releaseLock } from './lock.ts';
import {
  DEFAULT_CHECK_IMAGE,
  DEFAULT_DATASYNC_IMAGE,
  DEFAULT_OBSERVE_INTERVAL_MS,
  DEFAULT_STEP_TIMEOUT_MS,
  type MaintenanceOptions,
} from './options.ts';
import type { StepOutcome } from './outcome.ts';
import {
  isSafePoint,
  isTerminal,
  planStateFromStatus,
  progress,
  stepOf,
  stepsFor,
  transition,
  cleanupStep,
  type Cleanup,
  type CleanupAction,
  type PlanEvent,
  type PlanState,
  type StepName,
} from './phases.ts';
import { diffPlan } from './plan.ts';
import { previewHash, isApproved } from './preview-hash.ts';
import { abortApplies, abortNotice, rollbackNotice } from './requests.ts';
import { planNames } from './names.ts';
import { APPLIANCES, PLANS, VMS } from './resources.ts';
import { deadlineFrom, stepStartedAt, updateStep, withPlannedSteps, type StepUpdate } from './step-status.ts';
import { cloneStep } from './steps/clone.ts';
import { undoMaintenance } from './steps/cleanup.ts';
import { cutOverStep } from './steps/cutover.ts';
import { observeStep } from './steps/observe.ts';
import { originalRetained, releaseStep } from './steps/release.ts';
import { restoreClone, rollbackStep } from './steps/rollback.ts';
import { snapshotStep } from './steps/snapshot.ts';
import { syncStep } from './steps/sync.ts';
import { updateStep as updateClone } from './steps/update.ts';
import { verifyStep } from './steps/verify.ts';
import { nextWindowStart, windowState } from './window.ts';
import { estimateDowntimeSeconds } from './estimate.ts';
import type { PlanMetrics } from './metrics.ts';

/** The Warning Event's tail when a cleanup starts, and the Cleanup step's message when it is done. */
const CLEANUP_UNDER_WAY: Record<CleanupAction, string> = {
  RemoveClone: 'removing the clone',
  RestoreOriginal: 'restoring the original',
  RestoreClone: 'restarting the clone',
};
function cleanupResult(cleanup: Cleanup, policy: FailedClonePolicy): string {
  if (cleanup.action === 'RestoreClone') return 'the clone serves again; the original is retained';
  if (cleanupRetainsClone(policy, cleanup))
    return 'the original serves; the clone is kept for inspection (failedClonePolicy Retain) until the plan is deleted';
  return 'the original serves; the clone is removed';
}

/** While a step waits on objects whose changes are not all watched, look again this often. */
const POLL_MS = 1_000;

const RUNNERS: Partial<Record<string, (ctx: StepContext) => Promise<StepOutcome>>> = {
  Snapshotting: snapshotStep,
  Cloning: cloneStep,
  Updating: updateClone,
  Verifying: verifyStep,
  Syncing: syncStep,
  CuttingOver: cutOverStep,
  Observing: observeStep,
  RollingBack: rollbackStep,
};

/** What one pass decided. */
interface PassResult {
  event?: PlanEvent;
  outcome?: StepOutcome;
  preview?: MaintenancePlanStatus['preview'];
  refused?: { reason: string; message: string };
  waiting?: { reason: string; message: string };
  requeueAfterMs?: number;
  /** Release of the original after success (a Succeeded plan still has this to do). */
  release?: StepUpdate;
}

export function planReconciler(deps: ControllerDeps, metrics: PlanMetrics | undefined, opts: MaintenanceOptions = {}) {
  const options: Required<MaintenanceOptions> = {
    now: opts.now ?? (() => new Date()),
    datasyncImage: opts.datasyncImage ?? DEFAULT_DATASYNC_IMAGE,
    checkImage: opts.checkImage ?? DEFAULT_CHECK_IMAGE,
    stepTimeoutMs: opts.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS,
    observeIntervalMs: opts.observeIntervalMs ?? DEFAULT_OBSERVE_INTERVAL_MS,
  };
  const plans = deps.cache.informer<MaintenancePlan>(PLANS).store;
  /** resourceVersion of our last status write per plan, to recognise a cache that lags behind it. */
  const lastWritten = new Map<string, string>();
  const appliances = deps.cache.informer<VirtualAppliance>(APPLIANCES).store;

  return async (req: ReconcileRequest, rc: ReconcileContext): Promise<ReconcileResult> => {
    const namespace = req.namespace ?? '';
    const raw = plans.get(`${namespace}/${req.name}`);
    if (raw === undefined) {
      lastWritten.delete(`${namespace}/${req.name}`);
      return {};
    }
    // Deciding on a copy older than our own last write would redo (or undo) a step: wait for the
    // cache. resourceVersions are opaque, but etcd's are increasing integers, as every client sees.
    const mine = lastWritten.get(`${namespace}/${req.name}`);
    if (mine !== undefined && Number(raw.metadata.resourceVersion) < Number(mine)) return { requeueAfterMs: 50 };
    const now = options.now();
    const generation = raw.metadata.generation ?? 0;

    const parsed = MaintenancePlanSchema.safeParse(raw);
    if (!parsed.success) {
      // A plan the operator cannot read never started: nothing to undo when it goes.
      if (isDeleting(raw)) {
        await removeFinalizer(deps.client, raw, PLAN_FINALIZER);
        return {};
      }
      const message = parsed.error.issues.map((i) => `${fieldPath(i.path)}: ${i.message}`).join('; ');
      const conditions = setKStatus(
        raw.status?.conditions,
        { state: 'Stalled', reason: 'InvalidSpec', message },
        { observedGeneration: generation, now },
      );
      await writeStatus(raw, { steps: [], syncRounds: [], ...raw.status, conditions, observedGeneration: generation });
      return {};
    }
    const plan = parsed.data;
    const status: MaintenancePlanStatus = plan.status ?? { steps: [], syncRounds: [], conditions: [] };
    const state = planStateFromStatus(status);
    const appliance = appliances.get(`${namespace}/${plan.spec.appliance}`);
    const planned = stepsFor(plan.spec);
    const steps = withPlannedSteps(status.steps, planned);
    const currentStep: StepName | undefined = stepOf(state);
    const ctx =
      appliance === undefined
        ? undefined
        : stepContext(
            deps,
            options,
            rc.log,
            plan,
            appliance,
            now,
            deadlineFrom(stepStartedAt(steps, currentStep), status.conditions) ?? now,
          );

    if (isDeleting(raw)) {
      const deleted = await finalizeDeletion(deps, { raw, plan, state, appliance, ctx, status }, POLL_MS);
      if (deleted !== undefined) return deleted;
    } else if (!hasFinalizer(raw, PLAN_FINALIZER)) {
      const updated = await addFinalizer(deps.client, raw, PLAN_FINALIZER);
      remember(raw, updated.metadata.resourceVersion);
    }

    const pass = await runPass(plan, state, appliance, ctx, status);

    // Apply the event to the machine.
    let next: PlanState = state;
    let reason: string | undefined;
    let message: string | undefined;
    if (pass.event !== undefined) {
      const t = transition(state, pass.event);
      if (t.accepted) next = t.state;
      reason = t.reason;
      message = t.message;
    }
    // A spec change asking for what cannot be done (abort after the cut-over, a rollback with nothing
    // to roll back to) is answered once, when it is first seen.
    if (generation !== status.observedGeneration) {
      const facts = {
        cutOver: status.cutOver?.servicesSwitchedAt !== undefined,
        originalRetained: originalRetained(plan, now),
        rolledBack: status.rollback !== undefined,
      };
      for (const notice of [abortNotice(plan.spec.abort, state), rollbackNotice(plan.spec.rollbackNow, state, facts)]) {
        if (notice !== undefined) await deps.events.warning(raw, notice.reason, notice.message);
      }
    }

    // Steps: the current one runs, succeeds or fails; the next one starts.
    let newSteps = steps;
    if (currentStep !== undefined && pass.outcome !== undefined) {
      const o = pass.outcome;
      // The Cleanup step's message records the cleanup itself (see cleanupStep): progress goes beside it.
      const update: StepUpdate =
        state.cleanup !== undefined
          ? {
              kind: 'running',
              message: cleanupStep(state.cleanup).message ?? '',
              progress: (o.kind === 'done' ? 'done' : o.message).slice(0, 64),
            }
          : o.kind === 'failed'
            ? { kind: 'failed', message: o.message }
            : o.kind === 'done'
              ? { kind: 'succeeded', ...(o.message ? { message: o.message } : {}) }
              : { kind: 'running', message: o.message, ...(o.progress ? { progress: o.progress } : {}) };
      // A wait for the window is the CutOver step, not started yet.
      if (!(state.phase === 'WaitingForWindow' && update.kind === 'running'))
        newSteps = updateStep(newSteps, currentStep, update, now);
    }
    if (next.phase !== state.phase || next.cleanup !== state.cleanup) {
      if (pass.event?.type === 'noChanges') {
        for (const name of planned)
          if (name !== 'Plan') newSteps = updateStep(newSteps, name, { kind: 'skipped', message: 'no changes' }, now);
      }
      if (state.phase === 'Planning' && pass.event?.type !== 'stepFailed')
        newSteps = updateStep(newSteps, 'Plan', { kind: 'succeeded', message: message ?? '' }, now);
      if (state.phase === 'AwaitingApproval' && pass.event?.type === 'approved')
        newSteps = updateStep(newSteps, 'Approve', { kind: 'succeeded', message: 'approved' }, now);
      if (next.cleanup !== undefined && state.cleanup === undefined)
        newSteps = [
          ...newSteps.filter((s) => s.name !== 'Cleanup'),
          { ...cleanupStep(next.cleanup), startedAt: now.toISOString().replace(/\.\d{3}Z$/, 'Z') },
        ];
      if (state.cleanup !== undefined && next.cleanup === undefined)
        newSteps = updateStep(
          newSteps,
          'Cleanup',
          { kind: 'succeeded', message: cleanupResult(state.cleanup, plan.spec.failedClonePolicy) },
          now,
        );
      if (next.phase === 'Observing' && plan.spec.rollback.observeSeconds === 0)
        newSteps = updateStep(newSteps, 'Observe', { kind: 'skipped', message: 'rollback.observeSeconds is 0' }, now);
      if (next.phase === 'RollingBack' && next.cleanup === undefined)
        newSteps = updateStep(newSteps, 'Rollback', { kind: 'running' }, now);
      if (next.phase === 'RollingBack' && state.phase === 'Observing' && pass.event?.type === 'rollbackRequested')
        newSteps = updateStep(newSteps, 'Observe', { kind: 'skipped', message: 'stopped by spec.rollbackNow' }, now);
      if (next.phase === 'RollingBack' && isTerminal(state.phase))
        newSteps = updateStep(
          newSteps,
          'Release',
          { kind: 'skipped', message: 'rolled back: the original serves again' },
          now,
        );
      const nextStep = stepOf(next);
      if (nextStep !== undefined && nextStep !== 'Cleanup' && next.phase !== 'WaitingForWindow')
        newSteps = updateStep(newSteps, nextStep, { kind: 'running' }, now);
    }
    if (pass.release !== undefined) newSteps = updateStep(newSteps, 'Release', pass.release, now);

    const failure =
      pass.event?.type === 'stepFailed' || pass.event?.type === 'observeFailed'
        ? { reason: pass.event.reason, message: pass.event.message }
        : pass.event?.type === 'cleanupDone' && state.cleanup !== undefined
          ? { reason: state.cleanup.reason, message: state.cleanup.message }
          : undefined;
    const success =
      pass.event?.type === 'noChanges' || pass.event?.type === 'observePassed'
        ? { reason: reason ?? 'Succeeded', message: message ?? '' }
        : undefined;
    const suspended = plan.spec.suspend && isSafePoint(next);
    const conditions = planConditions(status.conditions, {
      state: next,
      approval: plan.spec.approval,
      steps: newSteps,
      suspended,
      ...(pass.refused ? { refused: pass.refused } : {}),
      ...(pass.waiting ? { waiting: pass.waiting } : {}),
      ...(failure ? { failure } : {}),
      ...(success ? { success } : {}),
      observedGeneration: generation,
      now,
    });

    const effects = ctx?.effects;
    const waitingSince = (s: PlanState) =>
      s.phase === 'WaitingForWindow' ? nextWindowStart(windowState(plan.spec.window, now)) : undefined;
    const newStatus: MaintenancePlanStatus = {
      observedGeneration: generation,
      phase: next.phase,
      progress: progress(newSteps),
      ...((pass.preview ?? status.preview) ? { preview: pass.preview ?? status.preview } : {}),
      steps: newSteps,
      syncRounds: effects?.syncRounds ?? status.syncRounds,
      ...(effects && Object.keys(effects.cutOver).length > 0
        ? { cutOver: effects.cutOver }
        : status.cutOver
          ? { cutOver: status.cutOver }
          : {}),
      ...(effects && Object.keys(effects.rollback).length > 0
        ? { rollback: effects.rollback }
        : status.rollback
          ? { rollback: status.rollback }
          : {}),
      ...((effects?.downtimeSeconds ?? status.downtimeSeconds) !== undefined
        ? { downtimeSeconds: effects?.downtimeSeconds ?? status.downtimeSeconds }
        : {}),
      ...(waitingSince(next) ? { nextWindowStart: waitingSince(next) } : {}),
      conditions,
    };
    await writeStatus(raw, newStatus);
    metrics?.roundsRecorded(plan.status, newStatus);
    if (next.phase !== state.phase) {
      metrics?.phaseChanged(state.phase, next.phase, plan.status, newStatus, now);
      const text = message ?? next.phase;
      if (next.phase === 'Failed' || next.phase === 'RolledBack')
        await deps.events.warning(raw, reason ?? next.phase, text);
      else await deps.events.normal(raw, reason ?? next.phase, text);
      if (
        next.phase === 'Failed' &&
        state.cleanup !== undefined &&
        cleanupRetainsClone(plan.spec.failedClonePolicy, state.cleanup)
      ) {
        await deps.events.warning(
          raw,
          'CloneRetained',
          `the failed clone is kept for inspection behind NetworkPolicy ${planNames(req.name).networkPolicy}, reachable through the -preview Services; the appliance stays locked: delete the plan to remove the clone and free it`,
        );
      }
    } else if (next.cleanup !== undefined && state.cleanup === undefined) {
      const underWay = cleanupRetainsClone(plan.spec.failedClonePolicy, next.cleanup)
        ? 'restoring the original and keeping the clone for inspection'
        : CLEANUP_UNDER_WAY[next.cleanup.action];
      await deps.events.warning(raw, next.cleanup.reason, `${next.cleanup.message}; ${underWay}`);
    }

    if (isTerminal(next.phase) && pass.release === undefined) return {};
    if (next !== state) return { requeueAfterMs: 1 };
    if (suspended) return {};
    return { requeueAfterMs: pass.requeueAfterMs ?? POLL_MS };
  };

  async function runPass(
    plan: MaintenancePlan,
    state: PlanState,
    appliance: VirtualAppliance | undefined,
    ctx: StepContext | undefined,
    status: MaintenancePlanStatus,
  ): Promise<PassResult> {
    const name = plan.metadata.name ?? '';
    if (isTerminal(state.phase)) {
      if (appliance === undefined || ctx === undefined) return {};
      if (plan.spec.rollbackNow && originalRetained(plan, ctx.now))
        return { event: { type: 'rollbackRequested', originalRetained: true } };
      // The appliance stays locked while the original is retained: the next plan's clone would take its slot.
      // (Succeeded or Failed after the cut-over, a failed rollback included, means the clone serves.)
      if (
        (state.phase === 'Succeeded' || state.phase === 'Failed') &&
        status.cutOver?.servicesSwitchedAt !== undefined
      ) {
        const releaseState = status.steps.find((s) => s.name === 'Release')?.state;
        if (releaseState !== 'Succeeded') {
          const outcome = await releaseStep(ctx);
          if (outcome.kind === 'done') {
            await releaseLock(deps.client, appliance, name);
            return { release: { kind: 'succeeded', message: outcome.message ?? 'released' } };
          }
          return {
            release:
              outcome.kind === 'wait'
                ? { kind: 'running', message: outcome.message }
                : { kind: 'failed', message: outcome.message },
            ...(outcome.kind === 'wait' && outcome.requeueAfterMs ? { requeueAfterMs: outcome.requeueAfterMs } : {}),
          };
        }
      }
      // A failed clone kept for inspection holds the other slot: the lock stays while its VMs exist.
      if (
        cloneRetained(plan.spec.failedClonePolicy, state.phase, status.cutOver?.servicesSwitchedAt !== undefined) &&
        ctx.children(VMS).length > 0
      )
        return {};
      await releaseLock(deps.client, appliance, name);
      return {};
    }
    if (appliance === undefined || ctx === undefined) {
      return {
        refused: {
          reason: 'ApplianceNotFound',
          message: `VirtualAppliance ${plan.spec.appliance} not found in namespace ${plan.metadata.namespace ?? ''}`,
        },
      };
    }
    // An abort refused (from the cut-over on) must not stop the plan where it is: it goes on.
    if (plan.spec.abort && abortApplies(state)) return { event: { type: 'abortRequested' } };
    if (plan.spec.suspend && isSafePoint(state)) return {};
    if (plan.spec.rollbackNow && state.phase === 'Observing' && state.cleanup === undefined)
      return { event: { type: 'rollbackRequested' } };

    if (state.cleanup !== undefined) {
      // After a failed rollback the clone serves on and the original is retained: the lock stays until its release.
      if (state.cleanup.action === 'RestoreClone') {
        const restored = await restoreClone(ctx);
        return restored.kind === 'done' ? { event: { type: 'cleanupDone' } } : { outcome: restored };
      }
      const retainClone = cleanupRetainsClone(plan.spec.failedClonePolicy, state.cleanup);
      const undone = await undoMaintenance(ctx, { retainClone });
      if (undone.kind !== 'done') return { outcome: undone };
      if (!retainClone) await releaseLock(deps.client, appliance, name);
      return { event: { type: 'cleanupDone' } };
    }

    switch (state.phase) {
      case 'Pending': {
        const lock = lockState(appliance, name);
        if (lock.held) return { event: { type: 'admitted' } };
        if (lock.holder !== undefined)
          return {
            waiting: {
              reason: 'WaitingForPlan',
              message: `plan ${lock.holder} is working on appliance ${plan.spec.appliance}; this plan waits for it`,
            },
            requeueAfterMs: 5_000,
          };
        await acquireLock(deps.client, appliance, name);
        return { requeueAfterMs: 200 };
      }
      case 'Planning':
      case 'AwaitingApproval':
        return plan_(plan, state, appliance, status);
      case 'WaitingForWindow': {
        const w = windowState(plan.spec.window, ctx.now);
        if (w.open) return { event: { type: 'windowOpen' } };
        return {
          requeueAfterMs: w.opensAt ? Math.min(60_000, Math.max(100, w.opensAt.getTime() - ctx.now.getTime())) : 60_000,
        };
      }
      default: {
        const run = RUNNERS[state.phase];
        if (run === undefined) return {};
        const outcome = await run(ctx);
        if (outcome.kind === 'wait')
          return { outcome, ...(outcome.requeueAfterMs ? { requeueAfterMs: outcome.requeueAfterMs } : {}) };
        if (outcome.kind === 'failed') {
          if (state.phase === 'Observing')
            return {
              outcome,
              event: {
                type: 'observeFailed',
                reason: outcome.reason,
                message: outcome.message,
                rollbackAutomatic: plan.spec.rollback.automatic,
              },
            };
          return {
            outcome,
            event: {
              type: 'stepFailed',
              step: stepOf(state) ?? state.phase,
              reason: outcome.reason,
              message: outcome.message,
            },
          };
        }
        if (state.phase === 'Observing') return { outcome, event: { type: 'observePassed' } };
        if (state.phase === 'RollingBack') return { outcome, event: { type: 'rollbackDone' } };
        if (state.phase === 'Syncing')
          return { outcome, event: { type: 'stepSucceeded', windowOpen: windowState(plan.spec.window, ctx.now).open } };
        return { outcome, event: { type: 'stepSucceeded' } };
      }
    }
  }

  /** Planning (and re-planning while awaiting approval): the preview and what follows from it. */
  function plan_(
    plan: MaintenancePlan,
    state: PlanState,
    appliance: VirtualAppliance,
    status: MaintenancePlanStatus,
  ): PassResult {
    const ready = appliance.status?.conditions.some((c) => c.type === 'Ready' && c.status === 'True') === true;
    if (!ready)
      return {
        outcome: {
          kind: 'wait',
          message: `waiting for appliance ${plan.spec.appliance} to be Ready (its inventory must be complete)`,
        },
        requeueAfterMs: 2_000,
      };
    const diff = diffPlan({
      targets: plan.spec.components,
      members: appliance.spec.members,
      inventory: appliance.status?.members ?? [],
      allowDowngrade: plan.spec.allowDowngrade,
    });
    const blocking = diff.problems.filter((p) => !p.transient);
    const first = blocking[0];
    if (first !== undefined) {
      const message = blocking.map((p) => p.message).join('; ');
      return {
        outcome: { kind: 'failed', reason: first.kind, message },
        event: { type: 'stepFailed', step: 'Plan', reason: first.kind, message },
      };
    }
    if (diff.problems.length > 0)
      return {
        outcome: { kind: 'wait', message: diff.problems.map((p) => p.message).join('; ') },
        requeueAfterMs: 2_000,
      };
    const hash = previewHash({
      appliance: { namespace: appliance.metadata.namespace ?? '', name: appliance.metadata.name ?? '' },
      updates: diff.updates,
      unchanged: diff.unchanged,
    });
    const preview = {
      hash,
      updates: [...diff.updates],
      unchanged: [...diff.unchanged],
      estimatedDowntimeSeconds: estimateDowntimeSeconds(plan, appliance, status.syncRounds),
    };
    if (diff.updates.length === 0) return { preview, event: { type: 'noChanges' } };
    if (state.phase === 'Planning') return { preview, event: { type: 'planned', approval: plan.spec.approval } };
    // AwaitingApproval: the approval must match exactly what is previewed now.
    if (isApproved(plan.spec.approvedHash, hash)) return { preview, event: { type: 'approved' } };
    return {
      preview,
      outcome: { kind: 'wait', message: `waiting for spec.approvedHash to equal ${hash}` },
      requeueAfterMs: 10_000,
    };
  }

  async function writeStatus(raw: MaintenancePlan, status: MaintenancePlanStatus): Promise<void> {
    if (unchanged(raw.status, status)) return;
    const written = await applyStatus(deps.client, {
      apiVersion: API_VERSION,
      kind: MAINTENANCE_PLAN_KIND,
      metadata: { name: raw.metadata.name, namespace: raw.metadata.namespace },
      status,
    });
    remember(raw, (written.metadata as { resourceVersion?: string } | undefined)?.resourceVersion);
  }

  /** Records the resourceVersion of our own write to the plan (see lastWritten). */
  function remember(raw: MaintenancePlan, resourceVersion: string | undefined): void {
    if (resourceVersion !== undefined)
      lastWritten.set(`${raw.metadata.namespace ?? ''}/${raw.metadata.name ?? ''}`, resourceVersion);
  }
}

function unchanged(current: MaintenancePlanStatus | undefined, next: MaintenancePlanStatus): boolean {
  if (current === undefined) return false;
  if (!conditionsEqual(current.conditions, next.conditions)) return false;
  const { conditions: _a, ...a } = current;
  const { conditions: _b, ...b } = next;
  return JSON.stringify(a) === JSON.stringify(b);
}
