// The controllers the operator runs. `vapp-operator run` registers every definition returned here.
import type { ControllerDefinition, ControllerDeps } from '../runtime/controller.ts';
import { applianceController } from './appliance/controller.ts';

export function allControllers(deps: ControllerDeps): ControllerDefinition[] {
  return [applianceController(deps)];
}
