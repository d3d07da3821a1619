// The sandbox refuses what KubeVirt's virt-api webhooks refuse: each admission policy the sandbox
// installs (src/sandbox/thirdparty/kubevirt-admission.ts), tried with a request KubeVirt refuses and
// one it admits, on the real API server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { VirtualMachine } from '../../../src/kubevirt/types.ts';
import { apiStatus } from '../../../src/runtime/errors.ts';
import { RestClient } from '../../../src/runtime/rest.ts';
import { startTestCluster, type TestCluster } from '../../support/cluster.ts';

const NS = 'default';
const VMS = `/apis/kubevirt.io/v1/namespaces/${NS}/virtualmachines`;

/** A VM with one PVC volume `data` (claim `<name>-data`), halted. */
function vm(name: string, spec: Partial<VirtualMachine['spec']> = {}): VirtualMachine {
  return {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachine',
    metadata: { name, namespace: NS },
    spec: {
      runStrategy: 'Halted',
      template: {
        spec: {
          domain: { devices: { disks: [{ name: 'data', disk: { bus: 'virtio' } }] } },
          volumes: [{ name: 'data', persistentVolumeClaim: { claimName: `${name}-data` } }],
        },
      },
      ...spec,
    },
  };
}

/** The message of the API server's refusal of `request`, or undefined when it was admitted. */
async function refusal(request: Promise<unknown>): Promise<string | undefined> {
  try {
    await request;
    return undefined;
  } catch (err) {
    const status = apiStatus(err);
    assert.equal(status?.code, 422, `refused as invalid: ${status?.message ?? String(err)}`);
    return status?.message;
  }
}

describe('KubeVirt admission in the sandbox', () => {
  let cluster: TestCluster;
  let api: RestClient;
  const create = (obj: VirtualMachine) => api.request(VMS, { method: 'POST', body: obj });
  const patch = (name: string, body: unknown, opts: { status?: boolean } = {}) =>
    api.request(`${VMS}/${name}${opts.status ? '/status' : ''}`, {
      method: 'PATCH',
      body,
      contentType: 'application/merge-patch+json',
    });
  const jsonPatch = (name: string, ops: unknown[]) =>
    api.request(`${VMS}/${name}`, { method: 'PATCH', body: ops, contentType: 'application/json-patch+json' });

  before(async () => {
    cluster = await startTestCluster();
    api = new RestClient(cluster.kubeConfig);
  });
  after(async () => {
    await cluster.stop();
  });

  it('refuses spec.running beside spec.runStrategy, on create and on update, and admits either alone', async () => {
    const message = await refusal(create(vm('both', { running: true })));
    assert.match(message ?? '', /Running and RunStrategy are mutually exclusive/);
    assert.equal(await refusal(create(vm('strategy'))), undefined);
    const running = vm('running');
    delete running.spec.runStrategy;
    running.spec.running = false;
    assert.equal(await refusal(create(running)), undefined);
    assert.match((await refusal(patch('running', { spec: { runStrategy: 'Always' } }))) ?? '', /mutually exclusive/);
  });

  it('refuses a dataVolumeTemplate no volume refers to, and admits one a dataVolume or a claim volume names', async () => {
    const template = (name: string) => ({
      metadata: { name },
      spec: { storage: { resources: { requests: { storage: '1Gi' } } }, source: { blank: {} } },
    });
    const orphan = await refusal(create(vm('dvt-orphan', { dataVolumeTemplates: [template('elsewhere')] })));
    assert.match(orphan ?? '', /DataVolumeTemplate entry spec.dataVolumeTemplate must be referenced/);
    assert.equal(
      await refusal(create(vm('dvt-claim', { dataVolumeTemplates: [template('dvt-claim-data')] }))),
      undefined,
    );
    const byDataVolume = vm('dvt-dv', { dataVolumeTemplates: [template('dvt-dv-data')] });
    const volume = byDataVolume.spec.template.spec?.volumes?.[0];
    if (volume) {
      delete volume.persistentVolumeClaim;
      volume.dataVolume = { name: 'dvt-dv-data' };
    }
    assert.equal(await refusal(create(byDataVolume)), undefined);
    // The cut-over's mistake: the volume now names another claim, the template stays unreferenced.
    const cutOver = await refusal(
      jsonPatch('dvt-dv', [
        {
          op: 'replace',
          path: '/spec/template/spec/volumes/0',
          value: { name: 'data', persistentVolumeClaim: { claimName: 'replica' } },
        },
      ]),
    );
    assert.match(cutOver ?? '', /must be referenced/);
  });

  it('while a snapshot is in progress: refuses run-state and volume changes, admits labels, then admits both once it ends', async () => {
    await create(vm('snapped'));
    await patch('snapped', { status: { snapshotInProgress: 'backup-1' } }, { status: true });
    assert.match(
      (await refusal(patch('snapped', { spec: { runStrategy: 'Always' } }))) ?? '',
      /Cannot update vm running state until snapshot completes/,
    );
    assert.match(
      (await refusal(
        jsonPatch('snapped', [
          { op: 'replace', path: '/spec/template/spec/volumes/0/persistentVolumeClaim/claimName', value: 'other' },
        ]),
      )) ?? '',
      /Cannot update vm disks or volumes until snapshot completes/,
    );
    assert.equal(await refusal(patch('snapped', { metadata: { labels: { team: 'shop' } } })), undefined);
    await patch('snapped', { status: { snapshotInProgress: null } }, { status: true });
    assert.equal(await refusal(patch('snapped', { spec: { runStrategy: 'Always' } })), undefined);
  });

  it('while a restore into the VM is in progress: refuses a run-strategy change, admits the same strategy spelled with running, and a volume change', async () => {
    await create(vm('restoring'));
    await patch('restoring', { status: { restoreInProgress: 'restore-1' } }, { status: true });
    assert.match(
      (await refusal(patch('restoring', { spec: { runStrategy: 'Always' } }))) ?? '',
      /Cannot update VM runStrategy until restore completes/,
    );
    // KubeVirt compares the strategies in effect (RunStrategy()): running false is Halted.
    assert.equal(await refusal(patch('restoring', { spec: { runStrategy: null, running: false } })), undefined);
    assert.equal(
      await refusal(
        jsonPatch('restoring', [
          { op: 'replace', path: '/spec/template/spec/volumes/0/persistentVolumeClaim/claimName', value: 'other' },
        ]),
      ),
      undefined,
    );
  });
});

describe('KubeVirt admission in the sandbox, the Snapshot feature gate off', () => {
  let cluster: TestCluster;
  let api: RestClient;

  before(async () => {
    cluster = await startTestCluster({ kubevirt: { snapshotGate: false } });
    api = new RestClient(cluster.kubeConfig);
  });
  after(async () => {
    await cluster.stop();
  });

  const kinds = [
    ['snapshot.kubevirt.io', 'virtualmachinesnapshots', 'VirtualMachineSnapshot', 'snapshot feature gate not enabled'],
    [
      'snapshot.kubevirt.io',
      'virtualmachinerestores',
      'VirtualMachineRestore',
      'Snapshot/Restore feature gate not enabled',
    ],
    ['clone.kubevirt.io', 'virtualmachineclones', 'VirtualMachineClone', 'snapshot feature gate is not enabled'],
  ] as const;
  for (const [group, plural, kind, message] of kinds) {
    it(`refuses to create a ${kind}, with KubeVirt's message`, async () => {
      const version = 'v1beta1';
      const spec =
        kind === 'VirtualMachineSnapshot'
          ? { source: { apiGroup: 'kubevirt.io', kind: 'VirtualMachine', name: 'db' } }
          : kind === 'VirtualMachineRestore'
            ? {
                target: { apiGroup: 'kubevirt.io', kind: 'VirtualMachine', name: 'db' },
                virtualMachineSnapshotName: 'snap',
              }
            : {
                source: { apiGroup: 'kubevirt.io', kind: 'VirtualMachine', name: 'db' },
                target: { apiGroup: 'kubevirt.io', kind: 'VirtualMachine', name: 'db-2' },
              };
      const refused = await refusal(
        api.request(`/apis/${group}/${version}/namespaces/${NS}/${plural}`, {
          method: 'POST',
          body: { apiVersion: `${group}/${version}`, kind, metadata: { name: 'x' }, spec },
        }),
      );
      assert.ok(refused?.includes(message), refused);
    });
  }

  it('still admits VirtualMachines', async () => {
    assert.equal(await refusal(api.request(VMS, { method: 'POST', body: vm('plain') })), undefined);
  });
});
