// Cloning: a VirtualMachineClone of every member from its snapshot, into the other slot, created
// halted with new MACs and serial; the clone's isolation (NetworkPolicy, preview Services) first.
// A snapshot of a running VM holds the spec the VM was started with (kubevirt pkg/storage/snapshot/
// source.go: vmSnapshotSource.Spec), so a VM adopted while it ran gives a clone whose template lacks
// the appliance's labels: the NetworkPolicy would select none of its Pods. The step labels each clone's
// template itself, while the clone is still halted and before anything starts it.
import { LABEL_APPLIANCE, LABEL_MEMBER, LABEL_SLOT } from '../../../api/v1alpha1/index.ts';
import type { VirtualMachineClone } from '../../../kubevirt/types.ts';
import { ensureIsolation } from '../actions/isolation.ts';
import { claimRestoredVolumes, cloneUIDsToRecord } from '../actions/restored-claims.ts';
import type { ClusterIO } from '../cluster-io.ts';
import { timedOut, type StepFacts } from '../facts.ts';
import { LABEL_PLAN } from '../names.ts';
import { done, failed, firstPending, recordThenContinue, wait, type StepOutcome } from '../outcome.ts';
import { VMS, VM_CLONES } from '../resources.ts';

/** What a clone waits on, from its Ready condition's reason (KubeVirt writes the restore's error there). */
function restoreProblem(clone: VirtualMachineClone): string | undefined {
  const reason = clone.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'False')?.reason;
  return reason === undefined || reason === 'Still processing' || reason === '' ? undefined : reason;
}

/** Restore errors that retrying does not cure: the clone would wait for ever (a refused VM, a patch that does not apply). */
const PERMANENT = /mutually exclusive|must be referenced|does not apply|already exists|denied|forbidden|is invalid/i;

/** A label key as a JSON Pointer segment. */
const pointer = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

export async function cloneStep(facts: StepFacts, io: ClusterIO): Promise<StepOutcome> {
  await ensureIsolation(facts, io);
  // The clones' UIDs first: they find KubeVirt's restored claims, even once an undo deleted the clones.
  const uids = cloneUIDsToRecord(facts, io);
  if (uids !== undefined) return recordThenContinue("recording the clones' UIDs", { cloneUIDs: uids });
  await claimRestoredVolumes(facts, io);
  const outcomes: StepOutcome[] = [];
  let cloned = 0;
  for (const member of facts.members) {
    const name = facts.names.clone(member.name);
    const clone = io.get(VM_CLONES, name);
    if (clone === undefined) {
      await io.create(VM_CLONES, cloneManifest(facts, member.name));
      outcomes.push(wait(`clone ${name} created`));
      continue;
    }
    if (clone.status?.phase === 'Failed') {
      // KubeVirt's Ready condition says why in its message (its reason is only "Failed").
      const ready = clone.status.conditions?.find((c) => c.type === 'Ready' && c.status === 'False');
      const why =
        ready?.message !== undefined && ready.message !== '' ? ready.message : (ready?.reason ?? 'no reason given');
      outcomes.push(failed('CloneFailed', `clone ${name} failed: ${why}`));
      continue;
    }
    const vmName = facts.names.cloneVm(member.name);
    const vm = io.get(VMS, vmName);
    if (clone.status?.phase !== 'Succeeded' || vm === undefined) {
      // KubeVirt's restore retries its errors for ever and the clone only waits (kubevirt
      // pkg/virt-controller/watch/clone/clone.go): the reason is in the clone's Ready condition.
      const blocked = restoreProblem(clone);
      if (blocked !== undefined && PERMANENT.test(blocked)) {
        outcomes.push(failed('CloneRefused', `clone ${name} cannot complete: ${blocked}`));
        continue;
      }
      outcomes.push(
        wait(`clone ${name} is ${clone.status?.phase ?? 'pending'}${blocked === undefined ? '' : `: ${blocked}`}`),
      );
      continue;
    }
    // KubeVirt does not copy owner references: the clone becomes a child of the appliance here, and
    // its template gets the slot's labels (the isolation selects its Pods by them).
    const owned = (vm.metadata?.ownerReferences ?? []).some((o) => o.uid === facts.owner.uid);
    const labels = templateLabels(facts, member.name);
    const labelled = Object.entries(labels).every(([k, v]) => vm.spec.template.metadata?.labels?.[k] === v);
    if (!owned || !labelled) {
      await io.patch(VMS, vmName, {
        metadata: owned ? {} : { ownerReferences: [...(vm.metadata?.ownerReferences ?? []), facts.owner] },
        spec: { template: { metadata: { labels } } },
      });
      outcomes.push(wait(`labelling clone VM ${vmName}`));
      continue;
    }
    cloned++;
    outcomes.push(done());
  }
  const overall = firstPending(outcomes);
  if (overall.kind !== 'wait') return overall;
  if (timedOut(facts))
    return failed('CloneTimeout', `the clone did not complete within the step timeout: ${overall.message}`);
  return wait(overall.message, { progress: `${String(cloned)}/${String(facts.members.length)} VMs` });
}

/** Argo CD's tracking annotation (annotation tracking). */
const ARGOCD_TRACKING_ANNOTATION = 'argocd.argoproj.io/tracking-id';

/** Clone filters (KubeVirt's: unanchored regular expressions, `!` drops) that keep all but Argo CD's tracking. */
function gitopsFilters(trackingLabel: string): Pick<VirtualMachineClone['spec'], 'labelFilters' | 'annotationFilters'> {
  const exactly = (key: string) => `!^${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
  return {
    ...(trackingLabel !== '' ? { labelFilters: ['*', exactly(trackingLabel)] } : {}),
    annotationFilters: ['*', exactly(ARGOCD_TRACKING_ANNOTATION)],
  };
}

/** The labels of a clone VM's template: the member's in the new slot, and the plan's. */
function templateLabels(facts: StepFacts, member: string): Record<string, string> {
  return {
    [LABEL_APPLIANCE]: facts.appliance.metadata.name ?? '',
    [LABEL_MEMBER]: member,
    [LABEL_SLOT]: facts.toSlot,
    [LABEL_PLAN]: facts.plan.metadata.name ?? '',
  };
}

function cloneManifest(facts: StepFacts, member: string): VirtualMachineClone {
  const slotLabel = pointer(LABEL_SLOT);
  const planLabel = pointer(LABEL_PLAN);
  // Only the VM's own labels (an adopted VM always has a labels map); the template is labelled once
  // the clone exists (its labels map may be missing, and json-patch `add` needs the parent), and no
  // run strategy: KubeVirt creates the clone stopped, with `running: false` for a VM that uses it
  // (a runStrategy beside `running` is refused).
  const patches = [
    { op: 'add', path: `/metadata/labels/${slotLabel}`, value: facts.toSlot },
    { op: 'add', path: `/metadata/labels/${planLabel}`, value: facts.plan.metadata.name },
  ];
  return {
    apiVersion: 'clone.kubevirt.io/v1beta1',
    kind: 'VirtualMachineClone',
    metadata: {
      name: facts.names.clone(member),
      namespace: facts.namespace,
      labels: { ...facts.labels, 'vapp.dev/member': member },
      ownerReferences: [facts.owner],
    },
    spec: {
      source: { apiGroup: 'snapshot.kubevirt.io', kind: 'VirtualMachineSnapshot', name: facts.names.snapshot(member) },
      target: { apiGroup: 'kubevirt.io', kind: 'VirtualMachine', name: facts.names.cloneVm(member) },
      // Argo CD's tracking metadata stays on the original: Argo CD must never count a clone as its own.
      ...gitopsFilters(facts.settings.gitopsTrackingLabel),
      patches: patches.map((p) => JSON.stringify(p)),
    },
  };
}
