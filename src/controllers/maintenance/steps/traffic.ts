// Moving traffic between slots: the Services' vapp.dev/slot key (server-side apply, the operator's
// field manager) and the appliance's status.activeSlot (which the appliance controller reads to
// know which VMs serve).
import type { V1Service } from '@kubernetes/client-node';
import { API_VERSION, LABEL_SLOT, VIRTUAL_APPLIANCE_KIND, type Slot } from '../../../api/v1alpha1/index.ts';
import { apply } from '../../../runtime/apply.ts';
import { failpoint } from '../../../runtime/failpoints.ts';
import { slotSelectorApply } from '../../appliance/service-slot.ts';
import type { StepContext } from '../context.ts';
import { APPLIANCES, SERVICES } from '../resources.ts';

/** Points every Service at `slot`; true when all already selected it. */
export async function switchServices(ctx: StepContext, slot: Slot): Promise<boolean> {
  let unchanged = true;
  for (const name of ctx.appliance.spec.services) {
    const service = ctx.get<V1Service>(SERVICES, name);
    if (service === undefined || service.spec?.selector?.[LABEL_SLOT] === slot) continue;
    unchanged = false;
    await apply(ctx.deps.client, slotSelectorApply(service, slot));
    failpoint('service-switched');
  }
  return unchanged;
}

/** Records the serving slot on the appliance (a merge patch of status.activeSlot only). */
export async function setActiveSlot(ctx: StepContext, slot: Slot): Promise<void> {
  if (ctx.appliance.status?.activeSlot === slot) return;
  await ctx.patch(
    APPLIANCES,
    ctx.appliance.metadata.name ?? '',
    { apiVersion: API_VERSION, kind: VIRTUAL_APPLIANCE_KIND, status: { activeSlot: slot } },
    { subresource: 'status' },
  );
}
