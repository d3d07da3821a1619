// Argo CD's view of our objects, computed by Argo CD's own code (tools/argocd-lua, Argo CD v3.2's
// util/lua and settings manager) from the shipped argocd-cm patch: health, the actions discovery
// offers, and the merge patch each action makes.
import { ARGOCD_CM_PATCH } from '../../src/integrations/argocd.ts';
import { goHelper, runJson } from './go-helpers.ts';

export interface ArgoHealth {
  readonly status: 'Healthy' | 'Progressing' | 'Degraded' | 'Suspended' | 'Missing' | 'Unknown';
  readonly message: string;
}

export interface ArgoAction {
  readonly name: string;
  readonly disabled?: boolean;
  readonly displayName?: string;
  readonly iconClass?: string;
}

export interface ArgoActionResult {
  readonly operation?: string;
  /** The merge patch of the object (without status); null when the action changes nothing. */
  readonly patch: Record<string, unknown> | null;
  /** The merge patch of the status subresource; null when the action leaves status alone. */
  readonly statusPatch: Record<string, unknown> | null;
  readonly error?: string;
}

export interface ArgoView {
  readonly health: ArgoHealth | null;
  readonly actions: readonly ArgoAction[];
  readonly results: Readonly<Record<string, ArgoActionResult>>;
  readonly error?: string;
}

/** What Argo CD shows for each object (one helper run for all of them). */
export async function argoView(objects: readonly unknown[], cmPatch = ARGOCD_CM_PATCH): Promise<ArgoView[]> {
  if (objects.length === 0) return [];
  return runJson<ArgoView[]>(await goHelper('argocd-lua'), ['--argocd-cm', cmPatch], objects);
}

/** The names of the actions discovery enables, sorted. */
export const enabledActions = (view: ArgoView): string[] =>
  view.actions
    .filter((a) => a.disabled !== true)
    .map((a) => a.name)
    .sort();
