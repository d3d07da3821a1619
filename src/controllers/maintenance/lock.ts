// One plan per appliance at a time: appliance.status.activePlan names it. Taken with a merge patch
// that carries the appliance's resourceVersion, so two plans racing for it cannot both win.
import { API_VERSION, VIRTUAL_APPLIANCE_KIND, type VirtualAppliance } from '../../api/v1alpha1/index.ts';
import { isConflict } from '../../runtime/errors.ts';
import { resourcePath } from '../../runtime/resources.ts';
import type { RestClient } from '../../runtime/rest.ts';
import { APPLIANCES } from './resources.ts';

export type LockState = { readonly held: true } | { readonly held: false; readonly holder?: string };

export function lockState(appliance: VirtualAppliance, plan: string): LockState {
  const holder = appliance.status?.activePlan ?? '';
  if (holder === plan) return { held: true };
  return holder === '' ? { held: false } : { held: false, holder };
}

async function writeActivePlan(
  client: RestClient,
  appliance: VirtualAppliance,
  value: string | null,
): Promise<boolean> {
  try {
    await client.request(
      resourcePath(APPLIANCES, appliance.metadata.namespace, appliance.metadata.name ?? '', 'status'),
      {
        method: 'PATCH',
        contentType: 'application/merge-patch+json',
        body: {
          apiVersion: API_VERSION,
          kind: VIRTUAL_APPLIANCE_KIND,
          metadata: { resourceVersion: appliance.metadata.resourceVersion },
          status: { activePlan: value },
        },
      },
    );
    return true;
  } catch (err) {
    if (isConflict(err)) return false;
    throw err;
  }
}

/** Takes the lock if it is free; false when another writer got there first (retry later). */
export function acquireLock(client: RestClient, appliance: VirtualAppliance, plan: string): Promise<boolean> {
  return writeActivePlan(client, appliance, plan);
}

/** Releases the lock if this plan holds it. */
export async function releaseLock(client: RestClient, appliance: VirtualAppliance, plan: string): Promise<void> {
  if (lockState(appliance, plan).held) await writeActivePlan(client, appliance, null);
}
