// Moving traffic between slots: the Services' vapp.dev/slot key (server-side apply under the
// maintenance field manager) and the appliance's status.activeSlot (which the appliance controller
// reads to know which VMs serve).
import { LABEL_SLOT, type Slot } from '../../../api/v1alpha1/index.ts';
import { failpoint } from '../../../runtime/failpoints.ts';
import { slotSelectorApply } from '../../shared/service-slot.ts';
import type { ClusterIO } from '../cluster-io.ts';
import type { StepFacts } from '../facts.ts';
import { SERVICES } from '../resources.ts';

/** Points every Service at `slot`; true when all already selected it. */
export async function switchServices(facts: Pick<StepFacts, 'appliance'>, io: ClusterIO, slot: Slot): Promise<boolean> {
  let unchanged = true;
  for (const name of facts.appliance.spec.services) {
    const service = io.get(SERVICES, name);
    if (service === undefined || service.spec?.selector?.[LABEL_SLOT] === slot) continue;
    unchanged = false;
    await io.apply(slotSelectorApply(service, slot));
    failpoint('service-switched');
  }
  return unchanged;
}

/**
 * Records the serving slot on the appliance (status.activeSlot, with the lock as it is); true once
 * the cached appliance shows it. A conflict (the appliance changed meanwhile) is tried again next pass.
 */
export async function recordServingSlot(
  facts: Pick<StepFacts, 'appliance'>,
  io: ClusterIO,
  slot: Slot,
): Promise<boolean> {
  const { appliance } = facts;
  if (appliance.status?.activeSlot === slot) return true;
  await io.claimAppliance(appliance, { activePlan: appliance.status?.activePlan ?? '', activeSlot: slot });
  return false;
}
