// `vapp-operator run` as a user starts it: the real CLI in a child process.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { CoordinationV1Api, CoreV1Api } from '@kubernetes/client-node';
import { startTestCluster, type TestCluster } from '../../support/cluster.ts';
import { waitFor } from '../../support/wait.ts';

const MAIN = new URL('../../../src/main.ts', import.meta.url).pathname;

describe('vapp-operator run', () => {
  let cluster: TestCluster;
  let child: ChildProcess | undefined;

  before(async () => {
    cluster = await startTestCluster();
  });

  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await cluster.stop();
  });

  it('serves probes and metrics, holds the lease, and on SIGTERM releases it and exits 0', async () => {
    const ns = `run-${Date.now().toString(36)}`;
    await cluster.kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
    const proc = spawn(
      process.execPath,
      [
        MAIN,
        'run',
        '--kubeconfig',
        cluster.kubeconfigPath,
        '--namespace',
        ns,
        '--leader-elect',
        '--leader-election-id',
        'vapp-operator',
        '--leader-election-namespace',
        ns,
        '--metrics-bind-address',
        '127.0.0.1:0',
        '--health-probe-bind-address',
        '127.0.0.1:0',
        '--log-format',
        'json',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    child = proc;
    const exited = once(proc, 'exit');
    const logs: Record<string, unknown>[] = [];
    createInterface(proc.stdout).on('line', (line) => logs.push(JSON.parse(line) as Record<string, unknown>));
    const address = (message: string) => () => logs.find((l) => l.message === message)?.address as string | undefined;
    const metrics = await waitFor(address('serving metrics'), { what: 'metrics address in the logs' });
    const probes = await waitFor(address('serving health probes'), { what: 'probe address in the logs' });

    await waitFor(async () => (await fetch(`http://${probes}/readyz`)).status === 200, { what: '/readyz' });
    assert.equal((await fetch(`http://${probes}/healthz`)).status, 200);
    const leases = cluster.kubeConfig.makeApiClient(CoordinationV1Api);
    await waitFor(
      async () => (await leases.readNamespacedLease({ name: 'vapp-operator', namespace: ns })).spec?.holderIdentity,
      { what: 'lease held' },
    );
    await waitFor(
      async () =>
        /^leader_election_master_status\{name="vapp-operator"\} 1$/m.test(
          await (await fetch(`http://${metrics}/metrics`)).text(),
        ),
      { what: 'leader metric' },
    );

    proc.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0);
    assert.ok(
      !(await leases.readNamespacedLease({ name: 'vapp-operator', namespace: ns })).spec?.holderIdentity,
      'lease released',
    );
    assert.ok(logs.some((l) => l.message === 'shutting down' && l.signal === 'SIGTERM'));
  });
});
