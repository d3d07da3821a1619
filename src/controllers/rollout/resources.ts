// The kinds the MaintenanceRollout controller reads and writes, typed by their objects.
export { APPLIANCES, BASE_IMAGES, PLANS, ROLLOUTS } from '../shared/kinds.ts';
