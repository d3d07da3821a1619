// Deterministic names and labels of everything a plan creates, so that a restarted operator finds
// what it already made instead of making it twice. Children are labelled with the plan and owned by
// the long-lived appliance (never by the plan: deleting a plan must not delete a live VM).
import { createHash } from 'node:crypto';
import { API_VERSION, LABEL_APPLIANCE, VIRTUAL_APPLIANCE_KIND, type Slot } from '../../api/v1alpha1/index.ts';

/** Label on every object a plan creates. */
export const LABEL_PLAN = 'vapp.dev/plan';
/** Label on Jobs that update a component of a clone (the sandbox simulator reads it too). */
export const LABEL_UPDATE = 'vapp.dev/update';

const MAX_NAME = 63;

/** `part-part-...`, shortened with a hash suffix when longer than a DNS label. */
export function childName(...parts: readonly (string | number)[]): string {
  const name = parts.join('-');
  if (name.length <= MAX_NAME) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_NAME - 9).replace(/-+$/, '')}-${hash}`;
}

export function otherSlot(slot: Slot): Slot {
  return slot === 'blue' ? 'green' : 'blue';
}

/** The names of one plan's children. */
export function planNames(plan: string) {
  return {
    snapshot: (member: string) => childName(plan, member),
    clone: (member: string) => childName(plan, member),
    cloneVm: (member: string) => childName(plan, member),
    networkPolicy: childName(plan, 'isolate'),
    previewService: (service: string) => childName(service, 'preview'),
    updateJob: (member: string, component: string) => childName(plan, member, component),
    checkJob: (kind: 'verify' | 'observe', attempt: number) => childName(plan, kind, attempt),
    replica: (member: string, volume: string) => childName(plan, member, volume),
    /** A rebased member's new root disk (a DataVolume cloned from the target version). */
    rootDisk: (member: string) => childName(plan, member, 'rebased-root'),
    round: (member: string, volume: string, round: number) => childName(plan, member, volume, `r${String(round)}`),
    reverseRound: (member: string, volume: string, round: number) =>
      childName(plan, member, volume, `back${String(round)}`),
  };
}

/** The labels of every child of a plan. */
export function childLabels(appliance: string, plan: string): Record<string, string> {
  return { [LABEL_APPLIANCE]: appliance, [LABEL_PLAN]: plan };
}

/** The owner reference of every child: the appliance. */
export function applianceOwner(appliance: { readonly name: string; readonly uid: string }) {
  return { apiVersion: API_VERSION, kind: VIRTUAL_APPLIANCE_KIND, name: appliance.name, uid: appliance.uid };
}
