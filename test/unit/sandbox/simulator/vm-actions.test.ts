import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { VirtualMachine, VirtualMachineInstance } from '../../../../src/kubevirt/types.ts';
import type { PodJson } from '../../../../src/sandbox/simulator/json.ts';
import { planVm, type Action, type PlanContext, type VmState } from '../../../../src/sandbox/simulator/vm-actions.ts';
import { vm as makeVm } from './fixtures.ts';

// Applies a plan's actions to an in-memory state the way the API server would, so that a test
// can walk the whole lifecycle through planVm alone.
class World {
  vm: VirtualMachine | undefined;
  vmi: VirtualMachineInstance | undefined;
  pods: PodJson[] = [];
  now = Date.parse('2026-11-22T02:00:00Z');
  #rv = 100;
  #uid = 0;
  log: string[] = [];

  constructor(vm: VirtualMachine) {
    this.vm = vm;
  }

  state(): VmState {
    return { ...(this.vm ? { vm: this.vm } : {}), ...(this.vmi ? { vmi: this.vmi } : {}), pods: this.pods };
  }

  /** Runs passes until nothing is left to do; returns the last requeue delay. */
  settle(ctx: Partial<PlanContext> = {}): number | undefined {
    for (let i = 0; i < 50; i++) {
      const plan = planVm(this.state(), {
        now: this.now,
        readyDelayMs: 0,
        faults: { neverReady: false },
        ipFor: () => '10.244.0.9',
        ...ctx,
      });
      if (plan.actions.length === 0) return plan.requeueAfterMs;
      for (const a of plan.actions) this.apply(a);
    }
    throw new Error(`did not settle: ${this.log.slice(-10).join(', ')}`);
  }

  apply(a: Action): void {
    this.log.push(a.type);
    const rv = String(++this.#rv);
    switch (a.type) {
      case 'createVmi':
        this.vmi = {
          ...a.vmi,
          metadata: { ...a.vmi.metadata, uid: `vmi-${++this.#uid}`, resourceVersion: rv },
          status: null,
        };
        break;
      case 'patchVmiStatus':
        assert.equal(a.resourceVersion, this.vmi?.metadata?.resourceVersion);
        this.vmi = { ...this.vmi!, metadata: { ...this.vmi!.metadata, resourceVersion: rv }, status: a.status };
        break;
      case 'deleteVmi':
        this.vmi = undefined;
        break;
      case 'createPod':
        this.pods.push({
          ...a.pod,
          metadata: {
            ...a.pod.metadata,
            name: `${a.pod.metadata?.generateName ?? ''}abcde`,
            uid: `pod-${++this.#uid}`,
            resourceVersion: rv,
          },
        });
        break;
      case 'bindPod':
        this.pods = this.pods.map((p) =>
          p.metadata?.name === a.name ? { ...p, spec: { ...p.spec!, nodeName: a.node } } : p,
        );
        break;
      case 'patchPodStatus':
        this.pods = this.pods.map((p) =>
          p.metadata?.name === a.name
            ? { ...p, metadata: { ...p.metadata, resourceVersion: rv }, status: a.status }
            : p,
        );
        break;
      case 'deletePod':
        this.pods =
          a.gracePeriodSeconds === 0
            ? this.pods.filter((p) => p.metadata?.name !== a.name)
            : this.pods.map((p) =>
                p.metadata?.name === a.name
                  ? { ...p, metadata: { ...p.metadata, deletionTimestamp: new Date(this.now).toISOString() } }
                  : p,
              );
        break;
      case 'patchVmStatus':
        assert.equal(a.resourceVersion, this.vm?.metadata?.resourceVersion);
        this.vm = { ...this.vm!, metadata: { ...this.vm!.metadata, resourceVersion: rv }, status: a.status };
        break;
    }
  }

  // Definite views for assertions (assert.equal narrows, which makes later optional chains lint errors).
  get vmStatus(): NonNullable<VirtualMachine['status']> {
    return this.vm?.status ?? {};
  }

  get vmiStatus(): NonNullable<VirtualMachineInstance['status']> {
    return this.vmi?.status ?? {};
  }

  get vmiLabels(): Record<string, string> {
    return this.vmi?.metadata?.labels ?? {};
  }

  get podLabels(): Record<string, string> {
    return this.pods[0]?.metadata?.labels ?? {};
  }

  setRunStrategy(runStrategy: string): void {
    this.vm = {
      ...this.vm!,
      metadata: { ...this.vm!.metadata, generation: (this.vm!.metadata?.generation ?? 0) + 1 },
      spec: { ...this.vm!.spec, runStrategy },
    };
  }
}

const ready = (
  obj: { status?: { conditions?: { type: string; status: string }[] | undefined } | null } | undefined,
): boolean => obj?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

describe('planVm', () => {
  it('starts a VM: VMI, launcher Pod bound and running, then Ready with guest OS info from its agent', () => {
    const w = new World(
      makeVm({
        runStrategy: 'Always',
        labels: { app: 'db', tier: 'data' },
        templateAnnotations: { 'sim.vapp.dev/guest-agent': 'true' },
      }),
    );
    assert.equal(w.settle(), undefined);
    assert.deepEqual(
      w.log.filter((t) => t !== 'patchVmStatus'),
      [
        'createVmi',
        'patchVmiStatus',
        'createPod',
        'bindPod',
        'patchVmiStatus',
        'patchPodStatus',
        'patchVmiStatus',
        'patchVmiStatus',
        'patchPodStatus',
        'patchVmiStatus',
        'patchVmiStatus',
      ],
    );
    const vmi = w.vmi!;
    const vmiMeta = vmi.metadata!;
    const vmiStatus = vmi.status!;
    assert.deepEqual(vmiMeta.labels, { app: 'db', tier: 'data' });
    assert.equal(vmiStatus.virtualMachineRevisionName, 'revision-start-vm-vm-uid-2', 'the spec it started from');
    assert.deepEqual(vmiMeta.ownerReferences, [
      {
        apiVersion: 'kubevirt.io/v1',
        kind: 'VirtualMachine',
        name: 'db',
        uid: 'vm-uid',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    assert.equal(vmiStatus.phase, 'Running');
    assert.deepEqual(
      vmiStatus.phaseTransitionTimestamps?.map((p) => p.phase),
      ['Pending', 'Scheduling', 'Scheduled', 'Running'],
    );
    assert.equal(vmiStatus.nodeName, 'sandbox-node');
    assert.equal(vmiStatus.interfaces?.[0]?.ipAddress, '10.244.0.9');
    assert.equal(vmiStatus.guestOSInfo?.versionId, '16.2.0');
    assert.ok(ready(vmi));
    assert.ok(vmiStatus.conditions?.some((c) => c.type === 'AgentConnected' && c.status === 'True'));

    const pod = w.pods[0]!;
    const podMeta = pod.metadata!;
    const podSpec = pod.spec!;
    const podStatus = pod.status!;
    assert.equal(podMeta.name, 'virt-launcher-db-abcde');
    assert.deepEqual(podMeta.labels, {
      app: 'db',
      tier: 'data',
      'kubevirt.io': 'virt-launcher',
      'kubevirt.io/created-by': vmiMeta.uid,
      'vm.kubevirt.io/name': 'db',
    });
    assert.equal(podMeta.ownerReferences?.[0]?.uid, vmiMeta.uid);
    assert.deepEqual(
      podSpec.containers.map((c) => c.name),
      ['compute'],
    );
    assert.equal(podSpec.nodeName, 'sandbox-node');
    assert.equal(podStatus.phase, 'Running');
    assert.equal(podStatus.podIP, '10.244.0.9');
    assert.deepEqual(
      podStatus.conditions?.map((c) => `${c.type}=${c.status}`),
      ['PodScheduled=True', 'Initialized=True', 'ContainersReady=True', 'Ready=True'],
    );

    const status = w.vm!.status!;
    assert.equal(status.printableStatus, 'Running');
    assert.equal(status.ready, true);
    assert.equal(status.created, true);
    assert.ok(ready(w.vm));
    assert.ok(status.conditions?.some((c) => c.type === 'AgentConnected' && c.status === 'True'));
    assert.deepEqual(status.volumeSnapshotStatuses, [
      { name: 'root', enabled: false, reason: 'Snapshot is not supported for this volumeSource type [root]' },
      { name: 'pgdata', enabled: true },
      { name: 'cloudinit', enabled: false, reason: 'Snapshot is not supported for this volumeSource type [cloudinit]' },
    ]);
    assert.equal(status.observedGeneration, 2);
  });

  it('shows Starting while the VMI is on its way, not ready', () => {
    const w = new World(makeVm({ runStrategy: 'Always' }));
    for (let i = 0; i < 4; i++) {
      const plan = planVm(w.state(), {
        now: w.now,
        readyDelayMs: 0,
        faults: { neverReady: false },
        ipFor: () => '10.244.0.9',
      });
      for (const a of plan.actions) w.apply(a);
    }
    assert.equal(w.vmStatus.printableStatus, 'Starting');
    assert.equal(w.vmStatus.ready, false);
  });

  it('without a readinessProbe, ready means the domain runs: no boot to wait for, no agent, no guest OS info', () => {
    const w = new World(makeVm({ runStrategy: 'Always' }));
    assert.equal(w.settle({ readyDelayMs: 500 }), undefined);
    assert.ok(ready(w.vm));
    assert.equal(w.vmiStatus.guestOSInfo, undefined);
    assert.ok(!w.vmiStatus.conditions?.some((c) => c.type === 'AgentConnected'));
  });

  it('a probe through the guest agent never passes without one', () => {
    const w = new World(makeVm({ runStrategy: 'Always', readinessProbe: { guestAgentPing: {} } }));
    w.settle({ readyDelayMs: 500 });
    w.now += 500;
    assert.equal(w.settle({ readyDelayMs: 500 }), undefined);
    assert.ok(!ready(w.vm));
  });

  it('with a readinessProbe, waits for the guest to boot by asking for a requeue, never by blocking', () => {
    const w = new World(makeVm({ runStrategy: 'Always', readinessProbe: { tcpSocket: { port: 5432 } } }));
    assert.equal(w.settle({ readyDelayMs: 500 }), 500);
    assert.equal(w.vmiStatus.phase, 'Running');
    assert.ok(!ready(w.vmi));
    w.now += 200;
    assert.equal(w.settle({ readyDelayMs: 500 }), 300);
    w.now += 300;
    assert.equal(w.settle({ readyDelayMs: 500 }), undefined);
    assert.ok(ready(w.vm));
  });

  it('lets a VM annotation set its own boot time', () => {
    const w = new World(makeVm({ runStrategy: 'Always', readinessProbe: { tcpSocket: { port: 5432 } } }));
    assert.equal(w.settle({ readyDelayMs: 500, faults: { neverReady: false, readyDelayMs: 2000 } }), 2000);
  });

  it('keeps a never-ready VM running but not ready, for ever', () => {
    const w = new World(makeVm({ runStrategy: 'Always' }));
    assert.equal(w.settle({ faults: { neverReady: true } }), undefined);
    assert.equal(w.vmiStatus.phase, 'Running');
    assert.equal(w.vmStatus.printableStatus, 'Running');
    assert.equal(w.vmStatus.ready, false);
    assert.ok(!ready(w.pods[0]));
    // Lifting the fault lets it become ready.
    w.settle();
    assert.ok(ready(w.vm));
  });

  it('halts: the Pod goes (graceful, then confirmed by the kubelet), then the VMI; the VM shows Stopped', () => {
    const w = new World(makeVm({ runStrategy: 'Always' }));
    w.settle();
    w.log = [];
    w.setRunStrategy('Halted');
    const first = planVm(w.state(), { now: w.now, readyDelayMs: 0, faults: { neverReady: false }, ipFor: () => '' });
    assert.deepEqual(
      first.actions.map((a) => a.type),
      ['deletePod', 'patchVmStatus'],
    );
    const vmStatus = first.actions.find((a) => a.type === 'patchVmStatus');
    assert.equal(vmStatus?.type === 'patchVmStatus' ? vmStatus.status.printableStatus : '', 'Stopping');
    w.settle();
    assert.deepEqual(
      w.log.filter((t) => t !== 'patchVmStatus'),
      ['deletePod', 'deletePod', 'deleteVmi'],
    );
    assert.equal(w.vmi, undefined);
    assert.deepEqual(w.pods, []);
    assert.equal(w.vmStatus.printableStatus, 'Stopped');
    assert.equal(w.vmStatus.ready, false);
    assert.equal(w.vmStatus.created, false);
    assert.deepEqual(
      w.vmStatus.conditions?.map((c) => `${c.type}=${c.status}:${c.reason ?? ''}`),
      ['Ready=False:VMINotExists'],
    );
  });

  it('copies template labels at start only: a running VM keeps its labels, a restart takes the new ones', () => {
    const w = new World(makeVm({ runStrategy: 'Always', labels: { app: 'db', slot: 'blue' } }));
    w.settle();
    w.vm = {
      ...w.vm!,
      spec: { ...w.vm!.spec, template: { ...w.vm!.spec.template, metadata: { labels: { app: 'db', slot: 'green' } } } },
    };
    w.settle();
    assert.equal(w.podLabels.slot, 'blue');
    assert.equal(w.vmiLabels.slot, 'blue');
    w.setRunStrategy('Halted');
    w.settle();
    w.setRunStrategy('Always');
    w.settle();
    assert.equal(w.podLabels.slot, 'green');
    assert.equal(w.vmiLabels.slot, 'green');
  });

  it('fails a running VMI whose Pod vanished and starts a new one (runStrategy Always)', () => {
    const w = new World(makeVm({ runStrategy: 'Always' }));
    w.settle();
    const oldUid = w.vmi?.metadata?.uid;
    w.pods = [];
    w.log = [];
    w.settle();
    assert.deepEqual(w.log.slice(0, 3), ['patchVmiStatus', 'deleteVmi', 'patchVmStatus']);
    assert.notEqual(w.vmi?.metadata?.uid, oldUid);
    assert.ok(ready(w.vm));
  });

  it('does not create a second Pod while the first is not in the cache yet', () => {
    const w = new World(makeVm({ runStrategy: 'Always' }));
    const [create] = planVm(w.state(), {
      now: w.now,
      readyDelayMs: 0,
      faults: { neverReady: false },
      ipFor: () => '',
    }).actions;
    assert.equal(create?.type, 'createVmi');
    w.apply(create);
    w.settle();
    const plan = planVm(
      { ...w.state(), pods: [], podCreationPending: true },
      { now: w.now, readyDelayMs: 0, faults: { neverReady: false }, ipFor: () => '' },
    );
    assert.deepEqual(
      plan.actions.filter((a) => a.type !== 'patchVmStatus'),
      [],
    );
  });

  it('only confirms terminating Pods when the VM is gone (the garbage collector does the rest)', () => {
    const w = new World(makeVm({ runStrategy: 'Always' }));
    w.settle();
    w.vm = undefined;
    w.vmi = undefined;
    w.pods = w.pods.map((p) => ({
      ...p,
      metadata: { ...p.metadata, deletionTimestamp: new Date(w.now).toISOString() },
    }));
    const plan = planVm(w.state(), { now: w.now, readyDelayMs: 0, faults: { neverReady: false }, ipFor: () => '' });
    assert.deepEqual(plan.actions, [
      { type: 'deletePod', name: 'virt-launcher-db-abcde', uid: w.pods[0]?.metadata?.uid, gracePeriodSeconds: 0 },
    ]);
  });

  it('leaves a Manual VM as it is', () => {
    const w = new World(makeVm({ runStrategy: 'Manual' }));
    w.settle();
    assert.equal(w.vmi, undefined);
    assert.equal(w.vmStatus.printableStatus, 'Stopped');
  });

  it('treats the deprecated running: true as Always', () => {
    const w = new World(makeVm({ running: true }));
    w.settle();
    assert.ok(ready(w.vm));
  });

  it('ignores a VMI of an earlier VM of the same name', () => {
    const w = new World(makeVm({ runStrategy: 'Always' }));
    w.settle();
    w.vm = { ...w.vm!, metadata: { ...w.vm!.metadata, uid: 'new-vm-uid' }, status: null };
    const plan = planVm(w.state(), { now: w.now, readyDelayMs: 0, faults: { neverReady: false }, ipFor: () => '' });
    assert.deepEqual(
      plan.actions.map((a) => a.type),
      ['createVmi', 'patchVmStatus'],
    );
  });
});
