// The deterministic names and labels of the plans a rollout makes: `<rollout>-r<revision>-<appliance>`
// (hashed when longer than a label value, since the plan's name is its children's vapp.dev/plan
// label), so that a restarted operator finds the plan it made instead of making it twice. Plans
// get no ownerReference to the rollout: deleting a rollout must never delete a plan, because
// deleting a plan releases its retained original at once.
import { LABEL_ROLLOUT, LABEL_ROLLOUT_REVISION, LABEL_WAVE } from '../../api/v1alpha1/index.ts';
import { childName } from '../maintenance/names.ts';

export function rolloutPlanName(rollout: string, revision: number, appliance: string): string {
  return childName(rollout, `r${String(revision)}`, appliance);
}

export function rolloutPlanLabels(rollout: string, revision: number, wave: string): Record<string, string> {
  return { [LABEL_ROLLOUT]: rollout, [LABEL_ROLLOUT_REVISION]: String(revision), [LABEL_WAVE]: wave };
}

/** A label value holds at most 63 characters: a rollout with a longer name cannot label its plans. */
export const MAX_ROLLOUT_NAME = 63;
