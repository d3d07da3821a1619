// The rollout's facts from the caches: the appliances of its namespace (with where each stands
// against the revision's target) and the plans labelled with the rollout. Pure over the stores.
import {
  LABEL_ROLLOUT,
  LABEL_ROLLOUT_REVISION,
  LABEL_WAVE,
  TERMINAL_PHASES,
  type MaintenancePlan,
  type MaintenanceRollout,
  type ResolvedTarget,
  type VirtualAppliance,
} from '../../api/v1alpha1/index.ts';
import { safeParseVirtualAppliance } from '../../api/v1alpha1/parse.ts';
import { getCondition } from '../../runtime/conditions.ts';
import { parseDuration } from '../../runtime/duration.ts';
import { originalRetained } from '../maintenance/steps/release.ts';
import type { RolloutAppliance, RolloutPlan } from './facts.ts';
import { standingOf } from './target.ts';

export function applianceFacts(
  raw: readonly VirtualAppliance[],
  target: ResolvedTarget,
  rollout: MaintenanceRollout,
): RolloutAppliance[] {
  const out: RolloutAppliance[] = [];
  for (const obj of raw) {
    const parsed = safeParseVirtualAppliance(obj);
    if (!parsed.ok) continue; // the appliance controller reports it (Stalled); a rollout cannot update it
    const a = parsed.value;
    const activePlan = a.status?.activePlan;
    out.push({
      name: a.metadata.name ?? '',
      uid: a.metadata.uid ?? a.metadata.name ?? '',
      ...(a.metadata.labels ? { labels: a.metadata.labels } : {}),
      ...(a.metadata.annotations ? { annotations: a.metadata.annotations } : {}),
      ready: getCondition(a.status?.conditions, 'Ready')?.status === 'True',
      ...(activePlan ? { activePlan } : {}),
      standing: standingOf(a, target, rollout.spec.plan.allowDowngrade),
    });
  }
  return out;
}

/** The rollout's view of one of its plans; `now` decides whether its original is still retained. */
export function planFacts(plan: MaintenancePlan, now = new Date()): RolloutPlan {
  const labels = plan.metadata.labels ?? {};
  const phase = plan.status?.phase;
  const ready = getCondition(plan.status?.conditions, 'Ready');
  const ended = phase !== undefined && TERMINAL_PHASES.includes(phase);
  // A cached object as the API server stored it (its CRD defaults applied; tolerated when missing).
  const retain = (plan.spec.rollback as MaintenancePlan['spec']['rollback'] | undefined)?.retainOriginalFor;
  return {
    name: plan.metadata.name ?? '',
    appliance: plan.spec.appliance,
    revision: Number(labels[LABEL_ROLLOUT_REVISION] ?? '0'),
    wave: labels[LABEL_WAVE] ?? 'default',
    ...(phase ? { phase } : {}),
    cutOverHold: plan.spec.cutOverHold,
    abort: plan.spec.abort,
    ...(plan.spec.window ? { window: plan.spec.window } : {}),
    ...(ended && ready?.lastTransitionTime ? { endedAt: new Date(ready.lastTransitionTime) } : {}),
    ...(ready?.message ? { message: ready.message } : {}),
    rollbackNow: (plan.spec.rollbackNow as boolean | undefined) === true,
    originalRetained: retain !== undefined && originalRetained(plan.status, parseDuration(retain), now),
  };
}

export const rolloutOfPlan = (plan: { metadata?: { labels?: Record<string, string> } }): string | undefined =>
  plan.metadata?.labels?.[LABEL_ROLLOUT];
