// The appliance's data volumes: each member's dataVolumes with the claim behind it on the original.
import type { Member } from '../../../api/v1alpha1/index.ts';
import { claimOf } from '../../../kubevirt/vm.ts';
import type { ClusterIO } from '../cluster-io.ts';
import type { StepFacts } from '../facts.ts';
import { failed, type StepOutcome } from '../outcome.ts';

/** A data volume of a member and the PVC behind it on the original. */
export interface DataVolumeRef {
  readonly member: Member;
  readonly volume: string;
  readonly claimName: string;
}

/** Every data volume of the appliance with the original's claim, or why one cannot be found. */
export function dataVolumes(
  facts: Pick<StepFacts, 'members' | 'fromSlot'>,
  io: ClusterIO,
): DataVolumeRef[] | StepOutcome {
  const refs: DataVolumeRef[] = [];
  for (const member of facts.members) {
    if (member.dataVolumes.length === 0) continue;
    const vm = io.vmOf(member.name, facts.fromSlot);
    if (vm === undefined) return failed('OriginalNotFound', `member ${member.name}: no VM in slot ${facts.fromSlot}`);
    for (const volume of member.dataVolumes) {
      const claimName = claimOf(vm, volume);
      if (claimName === undefined) {
        return failed(
          'DataVolumeNotFound',
          `member ${member.name}: volume ${volume} of VM ${vm.metadata?.name ?? ''} is not a PVC or DataVolume`,
        );
      }
      refs.push({ member, volume, claimName });
    }
  }
  return refs;
}
