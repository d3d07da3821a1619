// The one door from the plugin to the operator's own rules: the phase machine, the answers to
// spec.abort and spec.rollbackNow, safe points for spec.suspend, window arithmetic and level
// readers, imported from src/controllers (pure functions, used read-only), so that the plugin
// refuses exactly what the operator would and shows the same facts. Everything else in src/cli
// imports them from here: when the controllers are reshaped, this file is the one to follow.
import { CLEANUP_ACTIONS, TERMINAL_PHASES, type LevelSource } from '../api/v1alpha1/index.ts';
import { isSafePoint, planStateFromStatus, transition, type PlanState } from '../controllers/maintenance/phases.ts';
import { abortNotice, rollbackNotice, type RequestNotice } from '../controllers/maintenance/requests.ts';
import { originalRetained as operatorOriginalRetained } from '../controllers/maintenance/steps/release.ts';
import { windowState as operatorWindowState, type WindowState } from '../controllers/maintenance/window.ts';
import { readLevel as readComponentLevel } from '../kubevirt/level-reader.ts';
import { parseDuration } from '../runtime/duration.ts';
import type { WirePlan, WireVm, WireVmi } from './wire.ts';

export { isSafePoint, transition, abortNotice, rollbackNotice };
export type { PlanState, RequestNotice, WindowState };

/** Whether the phase ends the plan (no more work unless a rollback is asked for). */
export function isTerminalPhase(phase: string | undefined): boolean {
  return phase !== undefined && (TERMINAL_PHASES as readonly string[]).includes(phase);
}

/**
 * The machine's state from a stored status, by the operator's own reader: status.cleanup, or the
 * cleanup that an older operator recorded in a Running Cleanup step.
 */
export function planState(plan: WirePlan): PlanState {
  const status = plan.status;
  const phase = status?.phase ?? 'Pending';
  const c = status?.cleanup;
  const action = CLEANUP_ACTIONS.find((a) => a === c?.action);
  const steps = (status?.steps ?? []).map((s) => ({
    name: s.name ?? '',
    state: s.state ?? 'Pending',
    ...(s.message === undefined ? {} : { message: s.message }),
    ...(s.startedAt === undefined ? {} : { startedAt: s.startedAt }),
  }));
  const cleanup =
    action === undefined
      ? undefined
      : {
          action,
          then: c?.then === 'Aborted' ? ('Aborted' as const) : ('Failed' as const),
          reason: c?.reason ?? '',
          message: c?.message ?? '',
          startedAt: c?.startedAt ?? '',
        };
  return planStateFromStatus({ phase, steps, ...(cleanup === undefined ? {} : { cleanup }) });
}

/** Whether the stopped original is still kept for a rollback, by the operator's rule. */
export function originalRetained(plan: WirePlan, now: Date): boolean {
  const switched = plan.status?.cutOver?.servicesSwitchedAt;
  const retainFor = plan.spec?.rollback?.retainOriginalFor;
  if (switched === undefined || retainFor === undefined) return false;
  let retainMs: number;
  try {
    retainMs = parseDuration(retainFor);
  } catch {
    return false;
  }
  const status = {
    steps: [],
    syncRounds: [],
    conditions: [],
    cutOver: { servicesSwitchedAt: switched },
    ...(plan.status?.rollback === undefined ? {} : { rollback: {} }),
  };
  return operatorOriginalRetained(status, retainMs, now);
}

/** The plan's window at `now` (always open without one); undefined when the window cannot be read. */
export function planWindow(plan: WirePlan, now: Date): WindowState | undefined {
  const w = plan.spec?.window;
  if (w === undefined) return { open: true };
  if (w.startTime === undefined || w.endTime === undefined) return undefined;
  try {
    return operatorWindowState(
      {
        startTime: w.startTime,
        endTime: w.endTime,
        timeZone: w.timeZone ?? 'UTC',
        days: w.days ?? ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
      },
      now,
    );
  } catch {
    return undefined;
  }
}

/** A component's live level on one VM, read as the appliance controller reads it. */
export function readLevel(
  source: LevelSource,
  component: string,
  vm: WireVm,
  vmi: WireVmi | undefined,
): { readonly level: string } | { readonly problem: string } {
  return readComponentLevel(source, component, vm, vmi);
}
