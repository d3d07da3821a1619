// Step 4: a VirtualMachineClone of every member from its snapshot, into the other slot, created
// halted with new MACs and serial; a NetworkPolicy that keeps the new slot away from production;
// a `<service>-preview` Service per Service selecting the new slot.
import type { V1NetworkPolicy, V1Service } from '@kubernetes/client-node';
import { LABEL_APPLIANCE, LABEL_SLOT } from '../../../api/v1alpha1/index.ts';
import type { VirtualMachine, VirtualMachineClone } from '../../../kubevirt/types.ts';
import type { StepContext } from '../context.ts';
import { LABEL_PLAN } from '../names.ts';
import { done, failed, firstPending, wait, type StepOutcome } from '../outcome.ts';
import { NETWORK_POLICIES, SERVICES, VMS, VM_CLONES } from '../resources.ts';
import { timedOut } from './vm-power.ts';

/** A label key as a JSON Pointer segment. */
const pointer = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

export async function cloneStep(ctx: StepContext): Promise<StepOutcome> {
  await ensureIsolation(ctx);
  const outcomes: StepOutcome[] = [];
  let cloned = 0;
  for (const member of ctx.members) {
    const name = ctx.names.clone(member.name);
    const clone = ctx.get<VirtualMachineClone>(VM_CLONES, name);
    if (clone === undefined) {
      await ctx.create(VM_CLONES, cloneManifest(ctx, member.name));
      outcomes.push(wait(`clone ${name} created`));
      continue;
    }
    if (clone.status?.phase === 'Failed') {
      outcomes.push(
        failed(
          'CloneFailed',
          `clone ${name} failed: ${clone.status.conditions?.find((c) => c.status === 'False')?.reason ?? 'no reason given'}`,
        ),
      );
      continue;
    }
    const vm = ctx.get<VirtualMachine>(VMS, ctx.names.cloneVm(member.name));
    if (clone.status?.phase !== 'Succeeded' || vm === undefined) {
      outcomes.push(wait(`clone ${name} is ${clone.status?.phase ?? 'pending'}`));
      continue;
    }
    // KubeVirt does not copy owner references: the clone becomes a child of the appliance here.
    if (!(vm.metadata?.ownerReferences ?? []).some((o) => o.uid === ctx.owner.uid)) {
      await ctx.patch(VMS, ctx.names.cloneVm(member.name), {
        metadata: { ownerReferences: [...(vm.metadata?.ownerReferences ?? []), ctx.owner] },
      });
    }
    cloned++;
    outcomes.push(done());
  }
  const overall = firstPending(outcomes);
  if (overall.kind !== 'wait') return overall;
  if (timedOut(ctx))
    return failed('CloneTimeout', `the clone did not complete within the step timeout: ${overall.message}`);
  return wait(overall.message, { progress: `${String(cloned)}/${String(ctx.members.length)} VMs` });
}

function cloneManifest(ctx: StepContext, member: string): VirtualMachineClone {
  const slotLabel = pointer(LABEL_SLOT);
  const planLabel = pointer(LABEL_PLAN);
  const patches = [
    { op: 'add', path: `/metadata/labels/${slotLabel}`, value: ctx.toSlot },
    { op: 'add', path: `/metadata/labels/${planLabel}`, value: ctx.plan.metadata.name },
    { op: 'add', path: `/spec/template/metadata/labels/${slotLabel}`, value: ctx.toSlot },
    { op: 'add', path: `/spec/template/metadata/labels/${planLabel}`, value: ctx.plan.metadata.name },
    { op: 'replace', path: '/spec/runStrategy', value: 'Halted' },
  ];
  return {
    apiVersion: 'clone.kubevirt.io/v1beta1',
    kind: 'VirtualMachineClone',
    metadata: {
      name: ctx.names.clone(member),
      namespace: ctx.namespace,
      labels: { ...ctx.labels, 'vapp.dev/member': member },
      ownerReferences: [ctx.owner],
    },
    spec: {
      source: { apiGroup: 'snapshot.kubevirt.io', kind: 'VirtualMachineSnapshot', name: ctx.names.snapshot(member) },
      target: { apiGroup: 'kubevirt.io', kind: 'VirtualMachine', name: ctx.names.cloneVm(member) },
      patches: patches.map((p) => JSON.stringify(p)),
    },
  };
}

/** The NetworkPolicy isolating the new slot and the preview Services; both go at cut-over (a retained failed clone gets them back). */
export async function ensureIsolation(ctx: StepContext): Promise<void> {
  const appliance = ctx.appliance.metadata.name ?? '';
  const slotPods = { matchLabels: { [LABEL_APPLIANCE]: appliance, [LABEL_SLOT]: ctx.toSlot } };
  if (ctx.get(NETWORK_POLICIES, ctx.names.networkPolicy) === undefined) {
    await ctx.create(NETWORK_POLICIES, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: {
        name: ctx.names.networkPolicy,
        namespace: ctx.namespace,
        labels: ctx.labels,
        ownerReferences: [ctx.owner],
      },
      spec: {
        podSelector: slotPods,
        policyTypes: ['Ingress', 'Egress'],
        // Only its own slot may reach it; it may reach only its own slot and DNS: a clone can
        // never write into the production copy.
        ingress: [{ from: [{ podSelector: slotPods }] }],
        egress: [
          { to: [{ podSelector: slotPods }] },
          {
            to: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
            ports: [
              { protocol: 'UDP', port: 53 },
              { protocol: 'TCP', port: 53 },
            ],
          },
        ],
      },
    } as unknown as V1NetworkPolicy);
  }
  for (const serviceName of ctx.appliance.spec.services) {
    const service = ctx.get<V1Service>(SERVICES, serviceName);
    const previewName = ctx.names.previewService(serviceName);
    if (service === undefined || ctx.get(SERVICES, previewName) !== undefined) continue;
    await ctx.create(SERVICES, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: previewName, namespace: ctx.namespace, labels: ctx.labels, ownerReferences: [ctx.owner] },
      spec: {
        selector: { ...(service.spec?.selector ?? {}), [LABEL_SLOT]: ctx.toSlot },
        ports: (service.spec?.ports ?? []).map((p) => ({
          ...(p.name ? { name: p.name } : {}),
          port: p.port,
          ...(p.targetPort === undefined ? {} : { targetPort: p.targetPort }),
          ...(p.protocol ? { protocol: p.protocol } : {}),
        })),
      },
    } as V1Service);
  }
}
