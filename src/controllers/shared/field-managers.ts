// One server-side apply field manager per controller (cert-manager's convention), so that an object's
// managedFields say which controller owns which field: `kubectl get vapp -o yaml --show-managed-fields`.

/** The VirtualAppliance controller: adoption labels, the inventory, the appliance's conditions. */
export const APPLIANCE_FIELD_MANAGER = 'vapp-operator/appliance';
/** The MaintenancePlan controller: the plan's status, its children, the appliance's lock and serving slot. */
export const MAINTENANCE_FIELD_MANAGER = 'vapp-operator/maintenance';
/** The BaseImage controller: the image's status, the finalizer on its versions' storage, their release. */
export const BASE_IMAGE_FIELD_MANAGER = 'vapp-operator/base-image';
/** The MaintenanceRollout controller: the rollout's status, the plans it makes, their cut-over slots. */
export const ROLLOUT_FIELD_MANAGER = 'vapp-operator/rollout';
