// The live inventory of an appliance and its kstatus summary, from what the caches hold. Pure.
import type { Member, MemberBaseImageStatus, MemberStatus, Slot } from '../../api/v1alpha1/index.ts';
import type { VirtualMachine, VirtualMachineInstance } from '../../kubevirt/types.ts';
import type { KStatus } from '../../runtime/conditions.ts';
import { readLevel } from '../../kubevirt/level-reader.ts';
import { versionLabel } from '../shared/provenance.ts';
import type { MemberBaseImageSeen } from './observe.ts';

/** What the controller found for one member. */
export interface MemberObservation {
  readonly member: Member;
  /** Name of the VM serving this member (the active slot's copy, else spec.members[].vm). */
  readonly vmName: string;
  readonly vm?: VirtualMachine;
  readonly vmi?: VirtualMachineInstance;
  /** Set when the VM belongs to another appliance. */
  readonly ownedBy?: string;
  /** With spec.members[].baseImage: what its root disk runs. */
  readonly baseImage?: MemberBaseImageSeen;
}

/** The inventory of one member plus anything that blocks it. */
export interface MemberInventory {
  readonly status: MemberStatus;
  /** Problems a human must fix (kstatus Stalled). */
  readonly stalls: readonly string[];
  /** Transient reasons to wait (kstatus Reconciling). */
  readonly waits: readonly string[];
}

export function memberInventory(obs: MemberObservation): MemberInventory {
  const { member, vm, vmi, vmName } = obs;
  const base = { name: member.name, vm: vmName };
  if (vm === undefined) {
    return {
      status: { ...base, ready: false, components: [] },
      stalls: [`member ${member.name}: VirtualMachine ${vmName} not found`],
      waits: [],
    };
  }
  if (obs.ownedBy !== undefined) {
    return {
      status: { ...base, ready: false, components: [] },
      stalls: [`member ${member.name}: VirtualMachine ${vmName} already belongs to appliance ${obs.ownedBy}`],
      waits: [],
    };
  }
  const ready = vm.status?.ready === true;
  const stalls: string[] = [];
  const waits: string[] = ready
    ? []
    : [`member ${member.name}: VM ${vmName} is not ready (${vm.status?.printableStatus ?? 'no status yet'})`];
  const components = member.components.map((component) => {
    const reading = readLevel(component.level, component.name, vm, vmi);
    if ('level' in reading) return { name: component.name, level: reading.level };
    // The guest agent reports only while the VM runs: not an error until the VM is ready.
    if (component.level.guestOS !== undefined && !ready) waits.push(`member ${member.name}: ${reading.problem}`);
    else stalls.push(`member ${member.name} component ${component.name}: ${reading.problem}`);
    return { name: component.name };
  });
  const baseImage = obs.baseImage === undefined ? undefined : baseImageStatus(obs.baseImage);
  return { status: { ...base, ready, components, ...(baseImage ? { baseImage } : {}) }, stalls, waits };
}

/** status.members[].baseImage: the version of the root disk and how it was learned (never a stall: the member serves either way). */
export function baseImageStatus(seen: MemberBaseImageSeen): MemberBaseImageStatus {
  const p = seen.provenance;
  if (p === undefined)
    return { image: seen.image, determinedBy: 'Unknown', ...(seen.problem ? { message: seen.problem } : {}) };
  return {
    image: seen.image,
    ...(p.version === undefined ? {} : { version: p.version, label: seen.label ?? versionLabel(p.version) }),
    ...(seen.displayVersion === undefined ? {} : { displayVersion: seen.displayVersion }),
    ...(p.source === undefined ? {} : { source: p.source.slice(0, 512) }),
    determinedBy: p.determinedBy,
    ...(p.guestOS === undefined ? {} : { guestOS: p.guestOS }),
    ...(p.message === undefined ? {} : { message: p.message.slice(0, 1024) }),
  };
}

/** Summary of the whole appliance. */
export interface ApplianceSummary {
  readonly members: readonly MemberStatus[];
  readonly readyMembers: string;
  readonly kstatus: KStatus;
}

export function summarize(
  inventories: readonly MemberInventory[],
  serviceProblems: readonly string[],
  activeSlot: Slot,
): ApplianceSummary {
  const members = inventories.map((i) => i.status);
  const ready = members.filter((m) => m.ready).length;
  const readyMembers = `${ready}/${members.length}`;
  const stalls = [...inventories.flatMap((i) => i.stalls), ...serviceProblems];
  const waits = inventories.flatMap((i) => i.waits);
  let kstatus: KStatus;
  if (stalls.length > 0) {
    kstatus = { state: 'Stalled', reason: stallReason(stalls), message: stalls.join('; ') };
  } else if (waits.length > 0) {
    kstatus = {
      state: 'Reconciling',
      reason: 'MembersNotReady',
      message: `${readyMembers} members ready; ${waits.join('; ')}`,
    };
  } else {
    kstatus = {
      state: 'Ready',
      reason: 'AllMembersReady',
      message: `${readyMembers} members ready in slot ${activeSlot}`,
    };
  }
  return { members, readyMembers, kstatus };
}

/** A CamelCase reason for the first stall, so alerts and `kubectl get` can tell them apart. */
function stallReason(stalls: readonly string[]): string {
  const first = stalls[0] ?? '';
  if (first.includes('not found') && first.startsWith('Service')) return 'ServiceNotFound';
  if (first.includes('not found')) return 'VirtualMachineNotFound';
  if (first.includes('already belongs')) return 'VirtualMachineOwnedElsewhere';
  return 'LevelUnreadable';
}
