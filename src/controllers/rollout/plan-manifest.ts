// The MaintenancePlan a rollout makes for one appliance: the rollout's plan template, the targets
// the appliance runs, its window, held before its cut-over (spec.cutOverHold) until the rollout
// gives it a slot. Labelled with the rollout, its revision and the wave; no ownerReference (see
// names.ts). Pure.
import {
  API_VERSION,
  MAINTENANCE_PLAN_KIND,
  type MaintenanceRollout,
  type MaintenancePlanInput,
  type ResolvedTarget,
} from '../../api/v1alpha1/index.ts';
import { rolloutPlanLabels } from './names.ts';
import type { PlanToCreate } from './schedule.ts';

export function planManifest(
  rollout: MaintenanceRollout,
  revision: number,
  target: ResolvedTarget,
  plan: PlanToCreate,
): MaintenancePlanInput {
  const t = rollout.spec.plan;
  const ref = rollout.spec.target.baseImage?.ref;
  const image = target.baseImage;
  return {
    apiVersion: API_VERSION,
    kind: MAINTENANCE_PLAN_KIND,
    metadata: {
      name: plan.name,
      namespace: rollout.metadata.namespace ?? '',
      labels: rolloutPlanLabels(rollout.metadata.name ?? '', revision, plan.wave),
    },
    spec: {
      appliance: plan.appliance,
      components: plan.components.map((c) => ({ name: c.name, level: c.level })),
      ...(plan.baseImage && ref !== undefined && image !== undefined
        ? { baseImage: { ref: { ...ref }, version: image.version } }
        : {}),
      allowDowngrade: t.allowDowngrade,
      approval: t.approval,
      ...(plan.window ? { window: plan.window } : {}),
      verify: t.verify,
      dataSync: t.dataSync,
      rollback: t.rollback,
      failedClonePolicy: t.failedClonePolicy,
      cutOverHold: true,
    },
  };
}
