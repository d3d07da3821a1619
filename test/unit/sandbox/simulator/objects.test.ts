import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { VirtualMachineInstance } from '../../../../src/kubevirt/types.ts';
import { podReadyStatus, podRunningStatus } from '../../../../src/sandbox/simulator/kubelet.ts';
import { launcherPodFor, owningVmiName } from '../../../../src/sandbox/simulator/pod.ts';
import { vmiForVm } from '../../../../src/sandbox/simulator/vmi.ts';
import { vm } from './fixtures.ts';

function startedVmi(): VirtualMachineInstance {
  const vmi = vmiForVm(vm({ runStrategy: 'Always', templateAnnotations: { 'sim.vapp.dev/guest-os': '{}' } }));
  return { ...vmi, metadata: { ...vmi.metadata, uid: 'vmi-uid' } };
}

describe('vmiForVm', () => {
  it('copies the template metadata and spec, and is controlled by the VM', () => {
    const v = vm({ runStrategy: 'Always', labels: { app: 'db' }, templateAnnotations: { note: 'x' } });
    const vmi = vmiForVm(v);
    const meta = vmi.metadata!;
    assert.equal(meta.name, 'db');
    assert.equal(meta.namespace, 'shop');
    assert.deepEqual(meta.labels, { app: 'db' });
    // virt-controller also notes the VM generation it started from (its ControllerRevision's name).
    assert.deepEqual(meta.annotations, { note: 'x', 'kubevirt.io/vm-generation': String(v.metadata?.generation ?? 1) });
    assert.deepEqual(vmi.spec, v.spec.template.spec);
    assert.notEqual(vmi.spec, v.spec.template.spec); // a copy, not shared with the cached VM
    assert.equal(vmi.status, undefined); // status is a subresource: written by patch after create
  });
});

describe('launcherPodFor', () => {
  it('names the Pod by generateName and labels it like KubeVirt', () => {
    const vmi = startedVmi();
    const pod = launcherPodFor(vm(), vmi);
    const meta = pod.metadata!;
    const spec = pod.spec!;
    assert.equal(meta.generateName, 'virt-launcher-db-');
    assert.equal(meta.name, undefined);
    assert.deepEqual(meta.labels, {
      app: 'db',
      'kubevirt.io': 'virt-launcher',
      'kubevirt.io/created-by': 'vmi-uid',
      'vm.kubevirt.io/name': 'db',
    });
    assert.equal(owningVmiName(pod), 'db');
    assert.equal(spec.containers[0]?.resources?.requests?.memory, '1Gi');
    assert.equal(spec.nodeName, undefined); // the scheduler's job: bound through the binding subresource
  });

  it('labels vm.kubevirt.io/name with the hostname, which clones may share', () => {
    const vmi = startedVmi();
    const pod = launcherPodFor(vm(), { ...vmi, spec: { ...vmi.spec, hostname: 'shop-db', subdomain: 'shop' } });
    const spec = pod.spec!;
    assert.equal(pod.metadata?.labels?.['vm.kubevirt.io/name'], 'shop-db');
    assert.equal(spec.hostname, 'shop-db');
    assert.equal(spec.subdomain, 'shop');
  });
});

describe('kubelet statuses', () => {
  it('runs a Pod not ready, then ready, keeping its start time and transition times', () => {
    const pod = launcherPodFor(vm(), startedVmi());
    const running = podRunningStatus(pod, '10.244.0.7', '127.0.0.1', 't1');
    assert.equal(running.phase, 'Running');
    assert.deepEqual(running.podIPs, [{ ip: '10.244.0.7' }]);
    assert.deepEqual(
      running.conditions?.map((c) => `${c.type}=${c.status}`),
      ['PodScheduled=True', 'Initialized=True', 'ContainersReady=False', 'Ready=False'],
    );
    assert.equal(running.containerStatuses?.[0]?.ready, false);
    const ready = podReadyStatus({ ...pod, status: running }, 't2');
    assert.deepEqual([ready.startTime, ready.podIP], ['t1', '10.244.0.7']);
    assert.deepEqual(
      ready.conditions?.map((c) => `${c.type}=${c.status}@${c.lastTransitionTime ?? ''}`),
      ['PodScheduled=True@t1', 'Initialized=True@t1', 'ContainersReady=True@t2', 'Ready=True@t2'],
    );
  });
});
