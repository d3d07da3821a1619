// The controllers the operator runs. `vapp-operator run` registers every definition returned here.
import type { Registry } from 'prom-client';
import type { MaintenancePlan, MaintenanceRollout, VirtualAppliance } from '../api/v1alpha1/index.ts';
import type { ControllerDefinition, ControllerDeps } from '../runtime/controller.ts';
import { applianceController } from './appliance/controller.ts';
import { registerApplianceMetrics } from './appliance/metrics.ts';
import { APPLIANCES } from './appliance/resources.ts';
import { baseImageController } from './baseimage/controller.ts';
import { maintenanceController } from './maintenance/controller.ts';
import { registerPlanStatusMetrics } from './maintenance/metrics.ts';
import type { MaintenanceOptions } from './maintenance/options.ts';
import { PLANS } from './maintenance/resources.ts';
import { rolloutController } from './rollout/controller.ts';
import { registerRolloutMetrics } from './rollout/metrics.ts';
import { ROLLOUTS } from './rollout/resources.ts';
import type { RolloutOptions } from './rollout/reconciler.ts';

/** Settings of the controllers beyond their objects' specs. */
export interface ControllerOptions {
  readonly maintenance?: MaintenanceOptions;
  /** The rollout controller's clock: the maintenance one unless given (tests move both into a window). */
  readonly rollout?: RolloutOptions;
  /** Registry of the manager's /metrics, for the controllers' own metrics. */
  readonly registry?: Registry;
}

export function allControllers(deps: ControllerDeps, opts: ControllerOptions = {}): ControllerDefinition[] {
  if (opts.registry) {
    // Series per appliance and per plan, read from the caches at each scrape.
    const appliances = deps.cache.informer<VirtualAppliance>(APPLIANCES).store;
    const plans = deps.cache.informer<MaintenancePlan>(PLANS).store;
    registerApplianceMetrics(opts.registry, () => appliances.list());
    const rollouts = deps.cache.informer<MaintenanceRollout>(ROLLOUTS).store;
    registerRolloutMetrics(opts.registry, () => rollouts.list());
    registerPlanStatusMetrics(opts.registry, () => plans.list(), {
      ...(opts.maintenance?.stepTimeoutMs !== undefined ? { stepTimeoutMs: opts.maintenance.stepTimeoutMs } : {}),
    });
  }
  return [
    applianceController(deps),
    maintenanceController(deps, { ...opts.maintenance, ...(opts.registry ? { registry: opts.registry } : {}) }),
    baseImageController(deps),
    rolloutController(deps, {
      ...(opts.maintenance?.now ? { now: opts.maintenance.now } : {}),
      ...opts.rollout,
    }),
  ];
}
