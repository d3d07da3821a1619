// What KubeVirt's clone controller decides for a VirtualMachineClone, as pure functions: the
// names of its temporary snapshot and restore, the target's name, and the JSON patches that turn
// the source VM into the clone (new MACs, new SMBIOS serial and firmware UUID, label and
// annotation filters, then the user's patches), plus the status of each phase.
import type { VirtualMachine, VirtualMachineClone } from '../../../kubevirt/types.ts';
import { setCondition } from '../conditions.ts';
import { escapePointer } from './jsonpatch.ts';

export type CloneStatus = NonNullable<VirtualMachineClone['status']>;

export const CLONE_PHASES = [
  'SnapshotInProgress',
  'RestoreInProgress',
  'CreatingTargetVM',
  'Succeeded',
  'Failed',
] as const;

export function cloneSnapshotName(clone: VirtualMachineClone): string {
  return `tmp-snapshot-${clone.metadata?.uid ?? ''}`;
}

export function cloneRestoreName(clone: VirtualMachineClone): string {
  return `tmp-restore-${clone.metadata?.uid ?? ''}`;
}

/** spec.target.name, else `<source VM>-clone-<5 random chars>` as KubeVirt generates. */
export function targetNameFor(clone: VirtualMachineClone, sourceVmName: string, random: () => string): string {
  return clone.spec.target?.name ?? `${sourceVmName}-clone-${random()}`;
}

/** Five lower-case alphanumerics, like k8s.io/apimachinery's rand.String. */
export function randomSuffix(rng: () => number = Math.random): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let s = '';
  for (let i = 0; i < 5; i++) s += alphabet[Math.floor(rng() * alphabet.length)] ?? 'x';
  return s;
}

/**
 * KubeVirt's filters: unanchored regular expressions (`*` alone means `.*`), `!` negates and wins.
 * No filters: keep everything (kubevirt pkg/virt-controller/watch/clone/vm-target.go
 * addRemovePatchesFromFilter). A key is kept when a positive filter matches it and no negative one does.
 */
export function keepKey(key: string, filters: readonly string[] | undefined): boolean {
  if (!filters) return true;
  const positive = filters.filter((f) => !f.startsWith('!')).map((f) => (f === '*' ? '.*' : f));
  const negative = filters.filter((f) => f.startsWith('!')).map((f) => f.slice(1));
  const matches = (re: string) => {
    try {
      return new RegExp(re).test(key);
    } catch {
      return false; // KubeVirt logs an invalid expression and treats it as no match
    }
  };
  return positive.some(matches) && !negative.some(matches);
}

export interface CloneIdentity {
  /** The SMBIOS serial of the clone (spec.newSMBiosSerial, else a new one). */
  readonly serial: string;
  /** A new firmware UUID, used when the source pins one. */
  readonly firmwareUuid: string;
}

/** The patches KubeVirt generates for a clone of `source`, followed by the clone's own `spec.patches`. */
export function clonePatches(clone: VirtualMachineClone, source: VirtualMachine, id: CloneIdentity): string[] {
  const ops: object[] = [];
  const tpl = source.spec.template;
  // New MACs: the given ones, else none (a new one is assigned when the VM starts).
  const macs = clone.spec.newMacAddresses ?? {};
  (tpl.spec?.domain.devices.interfaces ?? []).forEach((iface, i) => {
    const path = `/spec/template/spec/domain/devices/interfaces/${i}/macAddress`;
    const mac = macs[iface.name];
    if (mac !== undefined) ops.push({ op: 'add', path, value: mac });
    else if (iface.macAddress !== undefined) ops.push({ op: 'remove', path });
  });
  // New SMBIOS serial and, when the source pins one, a new firmware UUID.
  const firmware = tpl.spec?.domain.firmware;
  const serial = clone.spec.newSMBiosSerial ?? id.serial;
  if (firmware === undefined) {
    if (tpl.spec) ops.push({ op: 'add', path: '/spec/template/spec/domain/firmware', value: { serial } });
  } else {
    ops.push({ op: 'add', path: '/spec/template/spec/domain/firmware/serial', value: serial });
    if (firmware.uuid !== undefined)
      ops.push({ op: 'replace', path: '/spec/template/spec/domain/firmware/uuid', value: id.firmwareUuid });
  }
  // Label and annotation filters, of the VM and of its template.
  const filter = (
    base: string,
    map: Readonly<Record<string, string>> | undefined,
    filters: readonly string[] | undefined,
  ): void => {
    for (const key of Object.keys(map ?? {}))
      if (!keepKey(key, filters)) ops.push({ op: 'remove', path: `${base}/${escapePointer(key)}` });
  };
  filter('/metadata/labels', source.metadata?.labels, clone.spec.labelFilters);
  filter('/metadata/annotations', source.metadata?.annotations, clone.spec.annotationFilters);
  filter('/spec/template/metadata/labels', tpl.metadata?.labels, clone.spec.template?.labelFilters);
  filter('/spec/template/metadata/annotations', tpl.metadata?.annotations, clone.spec.template?.annotationFilters);
  // No run strategy patch: the restore creates the target stopped, keeping `running` (false) for a
  // source that uses it (clone/vm-target.go generatePatches; restore.go generateRestoredVMSpec).
  return [...ops.map((o) => JSON.stringify(o)), ...(clone.spec.patches ?? [])];
}

function withConditions(
  clone: VirtualMachineClone,
  progressing: string,
  ready: string,
  reason: string,
  now: string,
  message?: string,
): CloneStatus['conditions'] {
  let list = setCondition(
    clone.status?.conditions ?? undefined,
    { type: 'Progressing', status: progressing, reason, ...(message ? { message } : {}) },
    now,
  );
  list = setCondition(list, { type: 'Ready', status: ready, reason, ...(message ? { message } : {}) }, now);
  return list;
}

/** The status in a phase of the way (SnapshotInProgress, RestoreInProgress, CreatingTargetVM). */
export function clonePhaseStatus(
  clone: VirtualMachineClone,
  phase: string,
  fields: Partial<CloneStatus>,
  now: string,
): CloneStatus {
  return {
    ...clone.status,
    ...fields,
    phase,
    conditions: withConditions(clone, 'True', 'False', 'Still processing', now),
  };
}

export function cloneSucceededStatus(clone: VirtualMachineClone, now: string): CloneStatus {
  return {
    ...clone.status,
    phase: 'Succeeded',
    creationTime: now,
    conditions: withConditions(clone, 'False', 'True', 'Ready', now),
  };
}

/** A clone waiting on its restore's error: Progressing True, Ready False with the error as its reason (clone/util.go). */
export function cloneWaitingConditions(
  clone: VirtualMachineClone,
  reason: string,
  now: string,
): CloneStatus['conditions'] {
  return withConditions(clone, 'True', 'False', reason, now);
}

export function cloneFailedStatus(clone: VirtualMachineClone, message: string, now: string): CloneStatus {
  return {
    ...clone.status,
    phase: 'Failed',
    conditions: withConditions(clone, 'False', 'False', 'Failed', now, message),
  };
}

export function isCloneFinished(clone: VirtualMachineClone): boolean {
  return clone.status?.phase === 'Succeeded' || clone.status?.phase === 'Failed';
}
