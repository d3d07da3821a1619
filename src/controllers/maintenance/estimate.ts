// The projected downtime of the cut-over, shown in the preview before anything runs (after each
// pre-copy round, status.projection replaces it with what the rounds measured: projection.ts). Pure.
import type { MaintenancePlan, SyncRound, VirtualAppliance } from '../../api/v1alpha1/index.ts';
import { parseQuantity } from '../../runtime/quantity.ts';
import { BOOT_SECONDS, STOP_SECONDS } from './projection.ts';
/** Bytes per second of the final delta copy, until a round has measured it. */
const DEFAULT_SYNC_RATE = 100 * 2 ** 20;

/**
 * Stop (a few seconds) + final delta (at most convergedBelow, at the measured or default rate) +
 * one boot per start-order group (groups start one after another).
 */
export function estimateDowntimeSeconds(
  plan: MaintenancePlan,
  appliance: VirtualAppliance,
  rounds: readonly SyncRound[],
): number {
  const groups = new Set(appliance.spec.members.map((m) => m.startOrder)).size;
  const hasData = appliance.spec.members.some((m) => m.dataVolumes.length > 0);
  const measured = rounds.filter((r) => r.seconds > 0 && r.bytes > 0);
  const rate =
    measured.length > 0
      ? measured.reduce((a, r) => a + r.bytes, 0) / measured.reduce((a, r) => a + r.seconds, 0)
      : DEFAULT_SYNC_RATE;
  const finalDelta = hasData ? parseQuantity(plan.spec.dataSync.convergedBelow) / rate : 0;
  return Math.ceil(STOP_SECONDS + finalDelta + groups * BOOT_SECONDS);
}
