// The second part of a pass: the one piece of work it does, and the only I/O besides the final
// status write. A request (abort, rollback) is answered, or the current phase's step runs once
// (its cleanup's, while one is under way), or after the end the original is released; a plan being
// deleted does what its deletion needs (finalize.ts). What it did comes back as a PassResult for
// decide(); an error it throws is caught by the reconciler and recorded too.
import { errorMessage, isRetryable } from '../../runtime/errors.ts';
import { addFinalizer } from '../../runtime/finalizers.ts';
import type { ControllerDeps } from '../../runtime/controller.ts';
import type { ClusterIO } from './cluster-io.ts';
import { cloneRetained } from './cleanups.ts';
import { PLAN_FINALIZER } from './deletion.ts';
import { timedOut, type StepFacts } from './facts.ts';
import { finalizeDeletion } from './finalize.ts';
import { releaseLock } from './lock.ts';
import type { Observed } from './observe.ts';
import { failed, type StepOutcome } from './outcome.ts';
import { isSafePoint, type PlanEvent } from './phases.ts';
import { isTerminal, workingRow, type PipelineRow } from './pipeline.ts';
import { abortApplies } from './requests.ts';
import { VMS } from './resources.ts';
import { RUNNERS } from './runners.ts';
import { CLEANUP_RUNNERS } from './steps/cleanup.ts';
import { releaseStep } from './steps/release.ts';

export type PassResult =
  /** Nothing to do in this pass (suspended at a safe point, or ended). */
  | { readonly kind: 'idle' }
  /** spec.abort or spec.rollbackNow asks for a transition. */
  | { readonly kind: 'request'; readonly event: PlanEvent }
  /** The plan cannot work: its appliance does not exist. */
  | { readonly kind: 'refused'; readonly reason: string; readonly message: string }
  /** The current phase's step (or the cleanup under way) ran once. */
  | { readonly kind: 'step'; readonly outcome: StepOutcome }
  /** After the end, with the clone serving: the release of the original ran once. */
  | { readonly kind: 'release'; readonly outcome: StepOutcome }
  /** The plan is being deleted and its deletion's work is not done yet. */
  | { readonly kind: 'deleting'; readonly outcome: StepOutcome }
  /** The finalizer is gone: nothing is left to write but an Event. */
  | { readonly kind: 'finalized'; readonly message: string }
  /** The pass threw (an API error): recorded in status, then retried with backoff. */
  | { readonly kind: 'error'; readonly message: string; readonly cause: unknown };

export interface PassContext {
  readonly deps: ControllerDeps;
  /** The door to the API server for the steps; undefined without an appliance. */
  readonly io: ClusterIO | undefined;
  /** Records the resourceVersion of a write to the plan itself (see observe's cache-lag guard). */
  readonly remember: (resourceVersion: string | undefined) => void;
}

export async function runPass(seen: Observed, ctx: PassContext): Promise<PassResult> {
  const { plan, state, facts } = seen;
  const { io } = ctx;
  if (seen.deleting) {
    const deletion = await finalizeDeletion(seen, ctx);
    if (deletion !== undefined) return deletion;
  } else if (!seen.hasFinalizer) {
    const updated = await addFinalizer(ctx.deps.client, seen.raw, PLAN_FINALIZER);
    ctx.remember(updated.metadata.resourceVersion);
  }
  if (isTerminal(state.phase))
    return facts === undefined || io === undefined ? { kind: 'idle' } : afterTheEnd(seen, facts, io);
  if (facts === undefined || io === undefined) {
    return {
      kind: 'refused',
      reason: 'ApplianceNotFound',
      message: `VirtualAppliance ${plan.spec.appliance} not found in namespace ${plan.metadata.namespace ?? ''}`,
    };
  }
  // An abort refused (from the cut-over on) must not stop the plan where it is: it goes on.
  if (plan.spec.abort && abortApplies(state)) return { kind: 'request', event: { type: 'abortRequested' } };
  if (plan.spec.suspend && isSafePoint(state)) return { kind: 'idle' };
  if (plan.spec.rollbackNow && state.phase === 'Observing' && state.cleanup === undefined) {
    return { kind: 'request', event: { type: 'rollbackRequested' } };
  }
  const row = workingRow(state.phase);
  const { cleanup } = state;
  const outcome =
    cleanup !== undefined
      ? await CLEANUP_RUNNERS[cleanup.action](facts, io, cleanup)
      : row === undefined
        ? failed('UnknownPhase', `no step runs in phase ${state.phase}`)
        : await inDowntime(row, facts, () => RUNNERS[row.phase](facts, io));
  return { kind: 'step', outcome };
}

/**
 * Runs a step; inside the downtime (the cut-over, a rollback) an API error fails the step when
 * retrying will not cure it (403, 422...) or the step deadline has passed, so that the undo runs
 * and the appliance serves again instead of waiting on a refusal with the original stopped. Outside
 * the downtime nothing is at risk: the error goes to status and the pass is retried (the cause, a
 * quota or a missing permission, may be fixed meanwhile).
 */
async function inDowntime(row: PipelineRow, facts: StepFacts, run: () => Promise<StepOutcome>): Promise<StepOutcome> {
  try {
    return await run();
  } catch (err) {
    if (!row.downtime) throw err;
    if (!isRetryable(err)) {
      return failed(
        'APIRequestRefused',
        `the API server refused a request retrying will not change: ${errorMessage(err)}`,
      );
    }
    if (timedOut(facts))
      return failed('APIRequestFailed', `API requests failed until the step timeout: ${errorMessage(err)}`);
    throw err;
  }
}

/**
 * A pass after the end. A rollback asked for while the original is retained; the release of the
 * original once the clone serves (the appliance stays locked until then: the next plan's clone
 * would take the original's slot); else the appliance's lock is freed, unless a failed clone is
 * kept for inspection (failedClonePolicy Retain) and holds the other slot.
 */
async function afterTheEnd(seen: Observed, facts: StepFacts, io: ClusterIO): Promise<PassResult> {
  const { plan, state, status } = seen;
  const name = plan.metadata.name ?? '';
  if (plan.spec.rollbackNow && seen.requests.originalRetained) {
    return { kind: 'request', event: { type: 'rollbackRequested', originalRetained: true } };
  }
  const servesClone = (state.phase === 'Succeeded' || state.phase === 'Failed') && seen.requests.cutOver;
  if (servesClone && status.steps.find((s) => s.name === 'Release')?.state !== 'Succeeded') {
    const outcome = await releaseStep(facts, io);
    if (outcome.kind === 'done') await releaseLock(io, facts.appliance, name);
    return { kind: 'release', outcome };
  }
  if (cloneRetained(plan.spec.failedClonePolicy, state.phase, seen.requests.cutOver) && io.children(VMS).length > 0) {
    return { kind: 'idle' };
  }
  await releaseLock(io, facts.appliance, name);
  return { kind: 'idle' };
}

/** The PassResult of a pass that threw. */
export function passError(err: unknown): PassResult {
  return { kind: 'error', message: errorMessage(err), cause: err };
}
