// The claims KubeVirt restores for a clone. They carry KubeVirt's restore labels, not the plan's,
// and a new clone VM owns none of them (kubevirt pkg/storage/snapshot/restore.go createRestorePVC:
// they are created before the VM), so nothing would ever delete them: every maintenance would leak
// full-size copies. The plan labels them as its own, so that an undo or the release removes them.
import { LABEL_APPLIANCE } from '../../../api/v1alpha1/index.ts';
import type { VirtualMachineClone } from '../../../kubevirt/types.ts';
import type { ClusterIO } from '../cluster-io.ts';
import type { StepFacts } from '../facts.ts';
import { LABEL_PLAN } from '../names.ts';
import { PVCS } from '../resources.ts';

/** KubeVirt's annotation on a restored claim: the VirtualMachineRestore that made it. */
const RESTORE_NAME_ANNOTATION = 'restore.kubevirt.io/name';

/** The name of the restore a VirtualMachineClone runs (kubevirt pkg/storage/clone: tmp-restore-<clone uid>). */
export function cloneRestoreName(clone: VirtualMachineClone): string {
  return `tmp-restore-${clone.metadata?.uid ?? ''}`;
}

/** Labels the claims restored for the plan's clones with the plan. */
export async function claimRestoredVolumes(
  facts: Pick<StepFacts, 'labels'>,
  io: ClusterIO,
  clones: readonly VirtualMachineClone[],
): Promise<void> {
  const restores = new Set(clones.map(cloneRestoreName));
  for (const pvc of io.inNamespace(PVCS)) {
    const restore = pvc.metadata?.annotations?.[RESTORE_NAME_ANNOTATION];
    if (restore === undefined || !restores.has(restore) || pvc.metadata?.labels?.[LABEL_PLAN] !== undefined) continue;
    await io.patch(PVCS, pvc.metadata?.name ?? '', {
      metadata: {
        labels: { [LABEL_PLAN]: facts.labels[LABEL_PLAN], [LABEL_APPLIANCE]: facts.labels[LABEL_APPLIANCE] },
      },
    });
  }
}
