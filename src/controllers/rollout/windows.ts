// Which window an appliance's cut-over waits for, and whether its plan may be made yet. Pure.
// Precedence: the appliance's vapp.dev/window annotation naming one of spec.windows, then the first
// spec.windows[] whose selector matches, then spec.defaultWindow, then none (any time). The window is
// copied into the plan's spec.window, so the plan enforces it too; the rollout only decides when to
// make the plan (at most prepareAhead before the window opens) and when to give it a cut-over slot.
import type { MaintenanceRollout, MaintenanceWindow } from '../../api/v1alpha1/index.ts';
import { ANNOTATION_WINDOW } from '../../api/v1alpha1/index.ts';
import { windowState, type WindowState } from '../maintenance/window.ts';
import { matchesSelector } from './selector.ts';

export type ChosenWindow =
  | { readonly kind: 'window'; readonly name: string; readonly window: MaintenanceWindow }
  | { readonly kind: 'none' }
  | { readonly kind: 'invalid'; readonly message: string };

export interface WindowedAppliance {
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export function windowOf(appliance: WindowedAppliance, spec: MaintenanceRollout['spec']): ChosenWindow {
  const named = appliance.annotations?.[ANNOTATION_WINDOW];
  if (named !== undefined) {
    const found = spec.windows.find((w) => w.name === named);
    if (found === undefined)
      return {
        kind: 'invalid',
        message: `its ${ANNOTATION_WINDOW} annotation names "${named}", which is not one of the rollout's spec.windows (${spec.windows.map((w) => w.name).join(', ') || 'none'})`,
      };
    return { kind: 'window', name: found.name, window: found.window };
  }
  const matched = spec.windows.find((w) => matchesSelector(appliance.labels, w.selector));
  if (matched !== undefined) return { kind: 'window', name: matched.name, window: matched.window };
  if (spec.defaultWindow !== undefined) return { kind: 'window', name: 'default', window: spec.defaultWindow };
  return { kind: 'none' };
}

export function stateOf(chosen: ChosenWindow, now: Date): WindowState {
  return chosen.kind === 'window' ? windowState(chosen.window, now) : { open: chosen.kind === 'none' };
}

/**
 * Whether a plan may be made now: the window is open, or opens within prepareAhead (so that the
 * preparation is done when it opens and the window is spent on cut-overs only).
 */
export function mayPrepare(state: WindowState, now: Date, prepareAheadMs: number): boolean {
  if (state.open) return true;
  if (state.opensAt === undefined) return false;
  return state.opensAt.getTime() - prepareAheadMs <= now.getTime();
}

/** When a plan may be made, if not now: prepareAhead before the window opens. */
export function preparesAt(state: WindowState, prepareAheadMs: number): Date | undefined {
  if (state.open || state.opensAt === undefined) return undefined;
  return new Date(state.opensAt.getTime() - prepareAheadMs);
}
