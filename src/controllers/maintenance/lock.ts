// One plan per appliance at a time: appliance.status.activePlan names it. Taken by a server-side
// apply that carries the appliance's resourceVersion (see ClusterIO.claimAppliance), so two plans
// racing for it cannot both win.
import type { Slot, VirtualAppliance } from '../../api/v1alpha1/index.ts';
import type { ClusterIO } from './cluster-io.ts';

export type LockState = { readonly held: true } | { readonly held: false; readonly holder?: string };

export function lockState(appliance: VirtualAppliance, plan: string): LockState {
  const holder = appliance.status?.activePlan ?? '';
  if (holder === plan) return { held: true };
  return holder === '' ? { held: false } : { held: false, holder };
}

const servingSlot = (appliance: VirtualAppliance): Slot => appliance.status?.activeSlot ?? 'blue';

/** Takes the lock if it is free; false when another writer got there first (retry later). */
export function acquireLock(io: ClusterIO, appliance: VirtualAppliance, plan: string): Promise<boolean> {
  return io.claimAppliance(appliance, { activePlan: plan, activeSlot: servingSlot(appliance) });
}

/** Releases the lock if this plan holds it (a conflict is retried on a later pass). */
export async function releaseLock(io: ClusterIO, appliance: VirtualAppliance, plan: string): Promise<void> {
  if (lockState(appliance, plan).held)
    await io.claimAppliance(appliance, { activePlan: '', activeSlot: servingSlot(appliance) });
}
