// The simulator's one controller, run by the operator runtime's manager: watches VMs, VMIs and
// launcher Pods, maps each event to its VM's key, asks planVm what to do and does it.
import type { KubeConfig } from '@kubernetes/client-node';
import type { GuestOSInfo, VirtualMachine, VirtualMachineInstance } from '../../kubevirt/types.ts';
import { KUBEVIRT } from '../../kubevirt/types.ts';
import { enqueueOwner, requestKey, type ControllerDefinition, type ReconcileResult } from '../../runtime/controller.ts';
import type { Informer } from '../../runtime/informer.ts';
import type { ResourceRef } from '../../runtime/resources.ts';
import type { RestClient } from '../../runtime/rest.ts';
import { SANDBOX_NODE } from './constants.ts';
import { STORAGE_RESOURCES } from './storage/resources.ts';
import {
  kubevirtSnapshotClass,
  storageClassOf,
  type StorageClassJson,
  type VolumeSnapshotClassJson,
} from './storage/classes.ts';
import type { PvcJson } from './storage/json.ts';
import { vmFaults, type FaultOverrides } from './faults.ts';
import { Ipam } from './ipam.ts';
import type { PodJson } from './json.ts';
import { owningVmiName } from './pod.ts';
import { planVm } from './vm-actions.ts';
import { isAgentConnected } from './vmistatus.ts';
import { Writer } from './writer.ts';

export const RESOURCES = {
  vms: { ...KUBEVIRT.virtualMachines },
  vmis: { ...KUBEVIRT.virtualMachineInstances },
  pods: { group: '', version: 'v1', plural: 'pods', kind: 'Pod' },
  // For status.volumeSnapshotStatuses (which volumes KubeVirt can snapshot): a claim's change brings
  // back the VMs using it, a VolumeSnapshotClass's every VM (kubevirt pkg/storage/snapshot/
  // snapshot_base.go handlePVC, handleVolumeSnapshotClass).
  pvcs: STORAGE_RESOURCES.pvcs,
  storageClasses: STORAGE_RESOURCES.storageClasses,
  volumeSnapshotClasses: STORAGE_RESOURCES.volumeSnapshotClasses,
} as const satisfies Record<string, ResourceRef>;

const POD_CREATION_TIMEOUT_MS = 30_000;
const VMI_INDEX = 'simulator-vmi';
const CLAIM_INDEX = 'simulator-vm-claims';

export interface SimulatorControllerOptions {
  readonly kubeConfig: KubeConfig;
  readonly client: RestClient;
  readonly informer: (ref: ResourceRef) => Informer;
  readonly readyDelayMs: number;
  readonly faults?: FaultOverrides;
  readonly now?: () => number;
  /** What a VMI's disks state about its OS, read when its guest agent connects (the storage part's volume files). */
  readonly diskOs?: (vmi: VirtualMachineInstance) => Promise<Partial<GuestOSInfo> | undefined>;
}

/** Builds the controller definition; its informers must be the manager's (shared caches). */
export function simulatorController(opts: SimulatorControllerOptions): ControllerDefinition {
  const now = opts.now ?? Date.now;
  const vms = opts.informer(RESOURCES.vms).store;
  const vmis = opts.informer(RESOURCES.vmis).store;
  const podInformer = opts.informer(RESOURCES.pods);
  const pods = podInformer.store;
  if (!pods.hasIndex(VMI_INDEX)) {
    pods.addIndex(VMI_INDEX, (p) => {
      const vmi = owningVmiName(p as unknown as PodJson);
      return vmi ? [`${p.metadata?.namespace ?? ''}/${vmi}`] : [];
    });
  }
  if (!vms.hasIndex(CLAIM_INDEX)) {
    vms.addIndex(CLAIM_INDEX, (v) =>
      ((v as unknown as VirtualMachine).spec.template.spec?.volumes ?? []).flatMap((vol) => {
        const claim = vol.persistentVolumeClaim?.claimName ?? vol.dataVolume?.name;
        return claim === undefined ? [] : [`${v.metadata?.namespace ?? ''}/${claim}`];
      }),
    );
  }
  const vmsUsingClaim = (namespace: string, claim: string) =>
    vms.byIndex(CLAIM_INDEX, `${namespace}/${claim}`).map((v) => ({ namespace, name: v.metadata?.name ?? '' }));
  const ipam = new Ipam();
  // IPs already given (e.g. before a simulator restart) stay taken; a deleted Pod frees its IP.
  podInformer.addEventHandler({
    onAdd: (p) => observeIp(ipam, p as unknown as PodJson),
    onUpdate: (_, p) => observeIp(ipam, p as unknown as PodJson),
    onDelete: (p) => ipam.release(p.metadata?.uid ?? ''),
  });
  // Launcher Pods created but not in the cache yet, by VMI uid: never create a second one.
  const podCreations = new Map<string, number>();
  const writer = new Writer(opts.client);

  return {
    name: 'kubevirt-simulator',
    // The one controller plays virt-controller, virt-handler, the scheduler and the kubelet, which
    // each run their own workers in a cluster (virt-controller alone several per controller); a
    // pass mostly waits for the API server, so more of them keep hundreds of VMs starting at once.
    maxConcurrentReconciles: 16,
    watches: [
      { resource: RESOURCES.vms },
      { resource: RESOURCES.vmis },
      {
        resource: RESOURCES.pods,
        map: enqueueOwner(KUBEVIRT.virtualMachineInstances.kind, KUBEVIRT.virtualMachineInstances.group),
      },
      {
        resource: RESOURCES.pvcs,
        map: (pvc) => vmsUsingClaim(pvc.metadata?.namespace ?? '', pvc.metadata?.name ?? ''),
      },
      { resource: RESOURCES.volumeSnapshotClasses, map: () => vms.keys().map(keyToRequest) },
    ],
    reconcile: async (req, ctx): Promise<ReconcileResult | undefined> => {
      const key = requestKey(req);
      const vm = vms.get(key) as unknown as VirtualMachine | undefined;
      const vmi = vmis.get(key) as unknown as VirtualMachineInstance | undefined;
      // The caches hold the API's JSON; the client-node types they are declared with do not describe it.
      const launcherPods = pods.byIndex(VMI_INDEX, key) as unknown as PodJson[];
      const vmiUid = vmi?.metadata?.uid ?? '';
      const since = podCreations.get(vmiUid);
      if (
        since !== undefined &&
        (launcherPods.some((p) => ownedBy(p, vmiUid)) || now() - since > POD_CREATION_TIMEOUT_MS)
      )
        podCreations.delete(vmiUid);

      // The guest agent reports the os-release once it connects: only until then is the root disk read.
      const diskOs =
        opts.diskOs !== undefined && vmi?.status?.phase === 'Running' && !isAgentConnected(vmi)
          ? await opts.diskOs(vmi)
          : undefined;
      const plan = planVm(
        {
          ...(vm ? { vm } : {}),
          ...(vmi ? { vmi } : {}),
          pods: launcherPods,
          podCreationPending: podCreations.has(vmiUid),
        },
        {
          now: now(),
          readyDelayMs: opts.readyDelayMs,
          faults: vmFaults(vm ?? {}, opts.faults),
          ipFor: (p) => ipam.allocate(p.metadata?.uid ?? ''),
          claims: (claim) => {
            const pvc = opts.informer(RESOURCES.pvcs).store.get(`${req.namespace ?? ''}/${claim}`) as unknown as
              PvcJson | undefined;
            if (pvc === undefined) return undefined;
            const classes = opts.informer(RESOURCES.storageClasses).store.list() as unknown as StorageClassJson[];
            const snapshotClasses = opts
              .informer(RESOURCES.volumeSnapshotClasses)
              .store.list() as unknown as VolumeSnapshotClassJson[];
            const storageClass = storageClassOf(pvc, classes);
            const snapshotClass = kubevirtSnapshotClass(storageClass?.provisioner, snapshotClasses)?.metadata?.name;
            return {
              ...(pvc.spec?.storageClassName ? { storageClass: pvc.spec.storageClassName } : {}),
              ...(snapshotClass !== undefined ? { snapshotClass } : {}),
            };
          },
          ...(diskOs === undefined ? {} : { diskOs }),
        },
      );
      if (plan.warning) ctx.log.warn(plan.warning);
      let stale = false;
      for (const action of plan.actions) {
        const outcome = await writer.execute(req.namespace ?? '', req.name, action);
        ctx.log.debug('simulator write', { action: action.type, outcome: outcome.kind });
        if (outcome.kind === 'stale') stale = true;
        if (action.type === 'createPod' && outcome.kind === 'done') podCreations.set(vmiUid, now());
      }
      // A conflict means the cache was behind: look again shortly (the watch event usually comes first).
      if (stale) return { requeue: true };
      return plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : undefined;
    },
  };
}

function observeIp(ipam: Ipam, pod: PodJson): void {
  const ip = pod.status?.podIP;
  if (ip && pod.spec?.nodeName === SANDBOX_NODE && pod.metadata?.uid) ipam.observe(pod.metadata.uid, ip);
}

function ownedBy(pod: PodJson, uid: string): boolean {
  return pod.metadata?.ownerReferences?.some((o) => o.uid === uid) ?? false;
}

/** A store key (namespace/name) as a reconcile request. */
function keyToRequest(key: string): { namespace: string; name: string } {
  const [namespace = '', name = ''] = key.split('/');
  return { namespace, name };
}
