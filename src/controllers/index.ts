// The controllers the operator runs. `vapp-operator run` registers every definition returned here.
import type { ControllerDefinition, ControllerDeps } from '../runtime/controller.ts';

export function allControllers(_deps: ControllerDeps): ControllerDefinition[] {
  return [];
}
