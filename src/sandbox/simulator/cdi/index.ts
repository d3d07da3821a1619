// The sandbox plays CDI (containerized-data-importer): DataImportCron with a simulated registry,
// DataSource, and DataVolume import and clone, against the real API server, on the storage
// simulator's volume files. See ../README.md, "CDI: golden images".
import type { ControllerDefinition } from '../../../runtime/controller.ts';
import type { StorageContext } from '../storage/context.ts';
import { dataImportCronController } from './dataimportcron-controller.ts';
import { dataSourceController } from './datasource-controller.ts';
import { dataVolumeController } from './datavolume-controller.ts';
import { SimRegistry } from './registry.ts';

export { CDI_RESOURCES } from './resources.ts';
export { CDI_SIM_ANNOTATIONS, SimRegistry } from './registry.ts';
export { guestOsFromDisks } from './os-release.ts';
export { importName } from './dataimportcron-controller.ts';

/** The CDI controllers, sharing one simulated registry. */
export function cdiControllers(ctx: StorageContext, registry = new SimRegistry()): ControllerDefinition[] {
  return [dataVolumeController(ctx, registry), dataSourceController(ctx), dataImportCronController(ctx, registry)];
}
