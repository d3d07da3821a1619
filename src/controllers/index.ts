// The controllers the operator runs. `vapp-operator run` registers every definition returned here.
import type { Registry } from 'prom-client';
import type { ControllerDefinition, ControllerDeps } from '../runtime/controller.ts';
import { applianceController } from './appliance/controller.ts';
import { maintenanceController } from './maintenance/controller.ts';
import type { MaintenanceOptions } from './maintenance/options.ts';

/** Settings of the controllers beyond their objects' specs. */
export interface ControllerOptions {
  readonly maintenance?: MaintenanceOptions;
  /** Registry of the manager's /metrics, for the controllers' own metrics. */
  readonly registry?: Registry;
}

export function allControllers(deps: ControllerDeps, opts: ControllerOptions = {}): ControllerDefinition[] {
  return [
    applianceController(deps),
    maintenanceController(deps, { ...opts.maintenance, ...(opts.registry ? { registry: opts.registry } : {}) }),
  ];
}
