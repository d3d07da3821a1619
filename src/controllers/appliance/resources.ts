// The kinds the VirtualAppliance controller reads and writes, typed by their objects.
import { CORE } from '../../runtime/kinds.ts';

export { APPLIANCES, BASE_IMAGES, DATA_VOLUMES, PVCS, SERVICES, VMIS, VMS } from '../shared/kinds.ts';
/**
 * The virt-launcher Pods the member VMs run in (labelled alike once adopted): no other Pod is
 * cached, and of these only their metadata (labels, the VMI that created them).
 */
export const LAUNCHER_PODS = { ...CORE.pods, labelSelector: 'kubevirt.io=virt-launcher', metadataOnly: true };
