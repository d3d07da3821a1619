// What KubeVirt's clone controller decides for a VirtualMachineClone, as pure functions: the
// names of its temporary snapshot and restore, the target's name, and the JSON patches that turn
// the source VM into the clone (MACs, SMBIOS serial and firmware UUID emptied or given, label and
// annotation filters, then the user's patches), plus the status of each phase.
import type { VirtualMachine, VirtualMachineClone } from '../../../kubevirt/types.ts';
import { setCondition } from '../conditions.ts';
import { escapePointer } from './jsonpatch.ts';
import { LAST_RESTORE_ANNOTATION } from './restore.ts';

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

/**
 * spec.target.name, else `clone-<source>-<5 random chars>`, the name KubeVirt's mutating webhook
 * gives (pkg/virt-api/webhooks/mutating-webhook/mutators/clone-create-mutator.go).
 */
export function targetNameFor(clone: VirtualMachineClone, sourceVmName: string, random: () => string): string {
  return clone.spec.target?.name ?? `clone-${sourceVmName}-${random()}`;
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

/**
 * The patches KubeVirt generates for a clone of `source`, followed by the clone's own `spec.patches`
 * (pkg/virt-controller/watch/clone/vm-target.go generatePatches). Each interface's MAC is replaced by
 * the given one or emptied (a MAC pool assigns one); with a firmware, the SMBIOS serial becomes the
 * given one or empty and the firmware UUID empty (KubeVirt derives new ones). A `replace` of a
 * missing key adds it, as json-patch v4 does.
 */
export function clonePatches(clone: VirtualMachineClone, source: VirtualMachine): string[] {
  const ops: object[] = [];
  const tpl = source.spec.template;
  const macs = clone.spec.newMacAddresses ?? {};
  (tpl.spec?.domain.devices.interfaces ?? []).forEach((iface, i) => {
    const path = `/spec/template/spec/domain/devices/interfaces/${i}/macAddress`;
    ops.push({ op: 'replace', path, value: macs[iface.name] ?? '' });
  });
  if (tpl.spec?.domain.firmware !== undefined) {
    const firmware = '/spec/template/spec/domain/firmware';
    ops.push({ op: 'replace', path: `${firmware}/serial`, value: clone.spec.newSMBiosSerial ?? '' });
    ops.push({ op: 'replace', path: `${firmware}/uuid`, value: '' });
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
  // restore.kubevirt.io/lastRestoreUID is never filtered out: the restore needs it (addAnnotationPatches).
  const { [LAST_RESTORE_ANNOTATION]: _kept, ...annotations } = source.metadata?.annotations ?? {};
  filter('/metadata/annotations', annotations, clone.spec.annotationFilters);
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
