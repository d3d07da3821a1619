// A resync of unchanged appliances writes nothing: after the appliances are Ready and settled, a
// new operator (its caches replayed as adds, so every appliance is reconciled again, as after a
// restart or a leader change) makes no write request to the API server, counted from the API
// server's own apiserver_request_total.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { VirtualAppliance } from '../../../src/api/v1alpha1/index.ts';
import type { KubeObject } from '../../../src/runtime/object.ts';
import { RestClient } from '../../../src/runtime/rest.ts';
import { applyManifests } from '../../../src/sandbox/manifests.ts';
import { operatorKubeConfig, startSandboxOperator, type SandboxOperator } from '../../../src/sandbox/operator.ts';
import { startSimulator, type Simulator } from '../../../src/sandbox/simulator/index.ts';
import { startTestCluster, type TestCluster } from '../../support/cluster.ts';
import { waitFor } from '../../support/wait.ts';
import {
  apiServerWriteCounts,
  diff,
  parsePrometheus,
  reconciledAndIdle,
  writesStopped,
} from '../../../scripts/bench/measure.ts';

const NS = 'fleet';
const APPLIANCES = 20;
const MEMBERS = ['db', 'app', 'web'] as const;

describe('VirtualAppliance resync', () => {
  let cluster: TestCluster;
  let simulator: Simulator;
  let operator: SandboxOperator;
  let rest: RestClient;
  let operatorConfig: Awaited<ReturnType<typeof operatorKubeConfig>>;

  /**
   * Write requests the API server counted, by verb and resource, but the control plane's own
   * bookkeeping: Leases (leader elections renew them) and Endpoints (the API server's reconciler of
   * the `kubernetes` Service writes them now and then).
   */
  const writeCounts = () => apiServerWriteCounts(rest);
  const readyCount = async () => {
    const list = await rest.request<{ items: VirtualAppliance[] }>(
      `/apis/vapp.dev/v1alpha1/namespaces/${NS}/virtualappliances`,
    );
    return list.items.filter((a) => a.status?.conditions.some((c) => c.type === 'Ready' && c.status === 'True')).length;
  };

  before(async () => {
    cluster = await startTestCluster();
    rest = new RestClient(cluster.kubeConfig);
    simulator = await startSimulator({ kubeConfig: cluster.kubeConfig, readyDelayMs: 0 });
    // Its RBAC and token once: the second operator reuses them (installing them again is a write).
    operatorConfig = await operatorKubeConfig(cluster);
    operator = await startSandboxOperator(cluster, { kubeConfig: operatorConfig });
    await rest.request('/api/v1/namespaces', { method: 'POST', body: { metadata: { name: NS } } });
    const objects: KubeObject[] = [];
    for (let i = 0; i < APPLIANCES; i++) {
      const name = `app${String(i).padStart(2, '0')}`;
      for (const m of MEMBERS) objects.push(vmManifest(`${name}-${m}`, m));
      objects.push(applianceManifest(name));
    }
    await applyManifests(cluster.kubeConfig, objects, { namespace: NS });
  });
  after(async () => {
    await operator.stop();
    await simulator.stop();
    await cluster.stop();
  });

  it(`makes no write when ${String(APPLIANCES)} unchanged appliances are reconciled again`, async () => {
    await waitFor(async () => (await readyCount()) === APPLIANCES, {
      what: `${String(APPLIANCES)} appliances Ready`,
      timeoutMs: 120_000,
    });
    // Settled: no write between two looks a second apart (the simulator and the operator are done).
    await waitFor(writesStopped(writeCounts), { what: 'the writes to stop', intervalMs: 1_000, timeoutMs: 60_000 });
    await operator.stop();
    const before = await writeCounts();

    operator = await startSandboxOperator(cluster, { kubeConfig: operatorConfig });
    await waitFor(
      async () =>
        reconciledAndIdle(
          parsePrometheus(await operator.manager.metrics.registry.metrics()),
          'virtualappliance',
          APPLIANCES,
        ),
      { what: 'every appliance reconciled by the new operator', timeoutMs: 60_000 },
    );
    const writes = diff(before, await writeCounts());
    assert.deepEqual(writes, [], 'write requests during the resync');
    assert.equal(await readyCount(), APPLIANCES);
  });
});

function vmManifest(name: string, member: string): KubeObject {
  return {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachine',
    metadata: { name, annotations: { 'vapp.dev/levels': `{"${member}":"1.0.0"}` } },
    spec: {
      runStrategy: 'Always',
      template: {
        spec: {
          domain: { devices: {} },
          volumes: [{ name: 'root', containerDisk: { image: `registry.example.com/${member}:1.0.0` } }],
        },
      },
    },
  } as KubeObject;
}

function applianceManifest(name: string): KubeObject {
  return {
    apiVersion: 'vapp.dev/v1alpha1',
    kind: 'VirtualAppliance',
    metadata: { name },
    spec: {
      members: MEMBERS.map((m, i) => ({
        name: m,
        vm: `${name}-${m}`,
        startOrder: i,
        components: [
          {
            name: m,
            level: { annotation: {} },
            update: { image: { volume: 'root', repository: `registry.example.com/${m}` } },
          },
        ],
      })),
    },
  } as KubeObject;
}
