// The MaintenanceRollout controller: what it watches and how events map to rollouts. A plan maps to
// the rollout its vapp.dev/rollout label names; an appliance to every rollout of its namespace (its
// labels, readiness, levels and lock decide what the rollouts do); a BaseImage to the rollouts whose
// target names it (a new latest is a new revision for those that follow it).
import { LABEL_ROLLOUT, type MaintenanceRollout } from '../../api/v1alpha1/index.ts';
import type { ControllerDefinition, ControllerDeps, MapFunc } from '../../runtime/controller.ts';
import { labelIndex, namespaceIndex } from '../../runtime/store.ts';
import { BY_NAMESPACE, BY_ROLLOUT, rolloutReconciler, type RolloutOptions } from './reconciler.ts';
import { APPLIANCES, BASE_IMAGES, PLANS, ROLLOUTS } from './resources.ts';
import { baseImageKey } from './target.ts';

const ROLLOUTS_BY_NAMESPACE = 'vapp.dev/rollouts-by-namespace';

export function rolloutController(deps: ControllerDeps, opts: RolloutOptions = {}): ControllerDefinition {
  const rollouts = deps.cache.informer<MaintenanceRollout>(ROLLOUTS).store;
  if (!rollouts.hasIndex(ROLLOUTS_BY_NAMESPACE)) rollouts.addIndex(ROLLOUTS_BY_NAMESPACE, namespaceIndex);
  const plans = deps.cache.informer(PLANS).store;
  if (!plans.hasIndex(BY_ROLLOUT)) plans.addIndex(BY_ROLLOUT, labelIndex(LABEL_ROLLOUT));
  const appliances = deps.cache.informer(APPLIANCES).store;
  if (!appliances.hasIndex(BY_NAMESPACE)) appliances.addIndex(BY_NAMESPACE, namespaceIndex);

  const request = (r: MaintenanceRollout) => ({ namespace: r.metadata.namespace ?? '', name: r.metadata.name ?? '' });
  const ofPlan: MapFunc = (obj) => {
    const name = obj.metadata?.labels?.[LABEL_ROLLOUT];
    return name === undefined ? [] : [{ namespace: obj.metadata?.namespace ?? '', name }];
  };
  const inNamespace: MapFunc = (obj) =>
    rollouts.byIndex(ROLLOUTS_BY_NAMESPACE, obj.metadata?.namespace ?? '').map(request);
  const namingImage: MapFunc = (obj) => {
    const key = `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
    return rollouts
      .list()
      .filter((r) => r.spec.target.baseImage !== undefined && baseImageKey(r) === key)
      .map(request);
  };

  return {
    name: 'rollout',
    backoffMaxMs: 20_000,
    reconcile: rolloutReconciler(deps, opts),
    watches: [
      { resource: ROLLOUTS },
      { resource: PLANS, map: ofPlan },
      { resource: APPLIANCES, map: inNamespace },
      { resource: BASE_IMAGES, map: namingImage },
    ],
  };
}
