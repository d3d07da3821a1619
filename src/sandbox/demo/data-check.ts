// The sandbox's proof that a cut-over lost nothing: the clone's replica of a data volume holds every
// write the original's workload made before the final delta's snapshot was cut
// (status.cutOver.finalSnapshotAt), but for the blocks the clone itself rewrote since (its ledger).
import type { MaintenancePlan } from '../../api/v1alpha1/index.ts';
import { planNames } from '../../controllers/maintenance/names.ts';
import { ledgerFile, pvcFile, verifyWritesCarriedOver, type LedgerReport } from '../simulator/storage/index.ts';

/** A data volume of an appliance member and the original's claim behind it. */
export interface DataVolume {
  readonly member: string;
  readonly volume: string;
  readonly originalClaim: string;
}

/** The shop sample's database volume. */
export const SHOP_DATABASE: DataVolume = { member: 'db', volume: 'pgdata', originalClaim: 'shop-db-pgdata' };

export async function verifyCutOverData(
  volumesDir: string,
  plan: MaintenancePlan,
  v: DataVolume = SHOP_DATABASE,
): Promise<LedgerReport> {
  const cut = plan.status?.cutOver?.finalSnapshotAt;
  if (cut === undefined)
    throw new Error(`plan ${plan.metadata.name ?? ''} recorded no final snapshot (status.cutOver.finalSnapshotAt)`);
  const namespace = plan.metadata.namespace ?? '';
  const replica = planNames(plan.metadata.name ?? '').replica(v.member, v.volume);
  return verifyWritesCarriedOver(
    pvcFile(volumesDir, namespace, replica),
    ledgerFile(volumesDir, namespace, v.originalClaim),
    {
      until: new Date(cut),
      overwrittenBy: [ledgerFile(volumesDir, namespace, replica)],
    },
  );
}
