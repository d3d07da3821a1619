// The kinds the BaseImage controller reads and writes, typed by their objects.
import type { DataImportCron, DataSource, VirtualMachineSnapshot } from '../../kubevirt/types.ts';
import { KUBEVIRT } from '../../kubevirt/types.ts';
import { SNAPSHOT_STORAGE } from '../../runtime/kinds.ts';
import type { TypedRef } from '../../runtime/resources.ts';

export { APPLIANCES, BASE_IMAGES, DATA_VOLUMES, PLANS, PVCS, VMIS, VMS } from '../shared/kinds.ts';

export const DATA_SOURCES: TypedRef<DataSource> = KUBEVIRT.dataSources;
export const DATA_IMPORT_CRONS: TypedRef<DataImportCron> = KUBEVIRT.dataImportCrons;
/** Every VolumeSnapshot: a base image's imports are VolumeSnapshots where the storage prefers them. */
export const VOLUME_SNAPSHOTS = SNAPSHOT_STORAGE.volumeSnapshots;
/** Every VirtualMachineSnapshot: a snapshot of a VM holds the version the VM runs. */
export const VM_SNAPSHOTS: TypedRef<VirtualMachineSnapshot> = KUBEVIRT.snapshots;
