import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { CoordinationV1Api, CoreV1Api } from '@kubernetes/client-node';
import { startTestCluster, type TestCluster } from '../../support/cluster.ts';
import { waitFor } from '../../support/wait.ts';
import type { ReconcileRequest } from '../../../src/runtime/controller.ts';
import { Manager } from '../../../src/runtime/manager.ts';
import { uniqueName } from './helpers.ts';

const configMaps = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap' };

async function get(address: string | undefined, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://${address ?? ''}${path}`);
  return { status: res.status, body: await res.text() };
}

/** The value of one sample in Prometheus text format. */
function sample(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

describe('Manager', () => {
  let cluster: TestCluster;
  let core: CoreV1Api;

  before(async () => {
    cluster = await startTestCluster();
    core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  });

  after(async () => {
    await cluster.stop();
  });

  async function namespace(): Promise<string> {
    const name = uniqueName('mgr');
    await core.createNamespace({ body: { metadata: { name } } });
    return name;
  }

  it('serves probes and controller-runtime metrics, reconciles, retries errors, and stops gracefully', async () => {
    const ns = await namespace();
    const done: string[] = [];
    let failBadOnce = true;
    let releaseSlow: () => void = () => undefined;
    const slowGate = new Promise<void>((r) => (releaseSlow = r));
    const manager = new Manager({
      kubeConfig: cluster.kubeConfig,
      namespaces: [ns],
      metricsBindAddress: '127.0.0.1:0',
      healthProbeBindAddress: '127.0.0.1:0',
      workers: 2,
    });
    manager.addController({
      name: 'cm',
      watches: [{ resource: configMaps }],
      backoffBaseMs: 50,
      reconcile: async (req: ReconcileRequest) => {
        if (req.name === 'bad' && failBadOnce) {
          failBadOnce = false;
          throw new Error('transient');
        }
        if (req.name === 'slow') await slowGate;
        done.push(`${req.namespace ?? ''}/${req.name}`);
        return undefined;
      },
    });
    const stop = new AbortController();
    let stopped = false;
    const running = manager.start(stop.signal).then(() => (stopped = true));

    await waitFor(async () => (await get(manager.probeAddress, '/readyz')).status === 200, { what: '/readyz' });
    assert.deepEqual(await get(manager.probeAddress, '/healthz'), { status: 200, body: 'ok' });

    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'good' } } });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'bad' } } });
    await waitFor(() => done.includes(`${ns}/good`) && done.includes(`${ns}/bad`), { what: 'reconciles' });

    const metrics = await get(manager.metricsAddress, '/metrics');
    assert.equal(metrics.status, 200);
    const text = metrics.body;
    assert.ok(
      (sample(text, 'controller_runtime_reconcile_total{controller="cm",result="success"}') ?? 0) >= 3,
      'kube-root-ca.crt, good, bad',
    );
    assert.equal(sample(text, 'controller_runtime_reconcile_total{controller="cm",result="error"}'), 1);
    assert.equal(sample(text, 'controller_runtime_reconcile_errors_total{controller="cm"}'), 1);
    assert.equal(sample(text, 'workqueue_retries_total{name="cm",controller="cm"}'), 1);
    assert.ok((sample(text, 'workqueue_adds_total{name="cm",controller="cm"}') ?? 0) >= 4);
    assert.equal(sample(text, 'workqueue_depth{name="cm",controller="cm"}'), 0);
    assert.equal(sample(text, 'controller_runtime_active_workers{controller="cm"}'), 0);
    assert.equal(sample(text, 'controller_runtime_max_concurrent_reconciles{controller="cm"}'), 2);
    assert.ok((sample(text, 'controller_runtime_reconcile_time_seconds_count{controller="cm"}') ?? 0) >= 4);
    assert.match(text, /^workqueue_queue_duration_seconds_bucket\{le="[^"]+",name="cm",controller="cm"\} \d+$/m);
    assert.match(text, /^workqueue_work_duration_seconds_sum\{name="cm",controller="cm"\} /m);
    assert.match(text, /^process_cpu_seconds_total /m);

    // Graceful stop: the in-flight reconcile finishes, nothing new starts.
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'slow' } } });
    await waitFor(
      async () =>
        sample(
          (await get(manager.metricsAddress, '/metrics')).body,
          'controller_runtime_active_workers{controller="cm"}',
        ) === 1,
      { what: 'slow reconcile in flight' },
    );
    stop.abort();
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'late' } } });
    assert.equal(stopped, false, 'waits for the in-flight reconcile');
    releaseSlow();
    await running;
    assert.ok(done.includes(`${ns}/slow`), 'in-flight reconcile completed');
    assert.ok(!done.includes(`${ns}/late`), 'no new work after stop');
    await assert.rejects(get(manager.metricsAddress, '/metrics'), 'servers closed');
  });

  it('tells when its servers listen and on which ports; a port already taken fails serving() and start()', async () => {
    const manager = new Manager({
      kubeConfig: cluster.kubeConfig,
      metricsBindAddress: '127.0.0.1:0',
      healthProbeBindAddress: '127.0.0.1:0',
    });
    const stop = new AbortController();
    const running = manager.start(stop.signal);
    await manager.serving();
    assert.match(manager.metricsAddress ?? '', /^127\.0\.0\.1:[1-9]\d*$/);
    assert.equal((await get(manager.metricsAddress, '/metrics')).status, 200);
    assert.equal((await get(manager.probeAddress, '/healthz')).status, 200);
    stop.abort();
    await running;

    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    try {
      const taken = new Manager({
        kubeConfig: cluster.kubeConfig,
        metricsBindAddress: `127.0.0.1:${(holder.address() as AddressInfo).port}`,
        healthProbeBindAddress: '0',
      });
      const failed = taken.start(new AbortController().signal);
      await assert.rejects(taken.serving(), { code: 'EADDRINUSE' });
      await assert.rejects(failed, { code: 'EADDRINUSE' });
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it("caches only what a resource's label selector matches, beside an unfiltered informer of the same kind", async () => {
    const ns = await namespace();
    for (const [name, labels] of [
      ['ours', { 'vapp.dev/plan': 'p' }],
      ['theirs', { app: 'other' }],
    ] as const) {
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name, labels } } });
    }
    const manager = new Manager({
      kubeConfig: cluster.kubeConfig,
      namespaces: [ns],
      metricsBindAddress: '0',
      healthProbeBindAddress: '0',
    });
    const selected = manager.informer({ ...configMaps, labelSelector: 'vapp.dev/plan' });
    const all = manager.informer(configMaps);
    assert.notEqual(selected, all);
    const stop = new AbortController();
    const running = manager.start(stop.signal);
    await waitFor(() => manager.synced, { what: 'informers synced' });
    assert.deepEqual(
      selected.store.list().map((c) => c.metadata?.name),
      ['ours'],
    );
    // (kube-root-ca.crt, which the controller manager adds to every namespace, may be there too)
    assert.deepEqual(
      all.store
        .list()
        .map((c) => c.metadata?.name)
        .filter((n) => n !== 'kube-root-ca.crt')
        .sort(),
      ['ours', 'theirs'],
    );
    stop.abort();
    await running;
  });

  it('is live but not ready while an informer cannot sync', async () => {
    const manager = new Manager({
      kubeConfig: cluster.kubeConfig,
      metricsBindAddress: '0',
      healthProbeBindAddress: '127.0.0.1:0',
    });
    manager.informer({ group: 'nothing.example.com', version: 'v1', plural: 'widgets', kind: 'Widget' });
    const stop = new AbortController();
    const running = manager.start(stop.signal);
    await waitFor(() => manager.probeAddress, { what: 'probe server' });
    assert.equal((await get(manager.probeAddress, '/healthz')).status, 200);
    const ready = await get(manager.probeAddress, '/readyz');
    assert.equal(ready.status, 503);
    assert.match(ready.body, /not synced/);
    assert.equal(manager.metricsAddress, undefined, 'metrics disabled with 0');
    stop.abort();
    await running;
  });

  it('runs controllers only as leader and releases the lease on stop', async () => {
    const ns = await namespace();
    const seen: string[] = [];
    const manager = new Manager({
      kubeConfig: cluster.kubeConfig,
      namespaces: [ns],
      leaderElection: {
        id: 'mgr-lock',
        namespace: ns,
        identity: 'me',
        leaseDurationMs: 4000,
        renewDeadlineMs: 3000,
        retryPeriodMs: 500,
      },
      metricsBindAddress: '127.0.0.1:0',
      healthProbeBindAddress: '0',
    });
    manager.addController({
      name: 'leader-only',
      watches: [{ resource: configMaps }],
      reconcile: (req) => Promise.resolve(void seen.push(req.name)),
    });
    const stop = new AbortController();
    const running = manager.start(stop.signal);
    await waitFor(() => seen.includes('kube-root-ca.crt'), { what: 'reconcile as leader' });
    const text = (await get(manager.metricsAddress, '/metrics')).body;
    assert.equal(sample(text, 'leader_election_master_status{name="mgr-lock"}'), 1);
    const leases = cluster.kubeConfig.makeApiClient(CoordinationV1Api);
    assert.equal((await leases.readNamespacedLease({ name: 'mgr-lock', namespace: ns })).spec?.holderIdentity, 'me');
    stop.abort();
    await running;
    const released = await leases.readNamespacedLease({ name: 'mgr-lock', namespace: ns });
    assert.ok(!released.spec?.holderIdentity, 'holder cleared');
    assert.equal(released.spec?.leaseDurationSeconds, 1);
  });

  it('stops its controllers and fails when another holder takes the lease', async () => {
    const ns = await namespace();
    let reconcileSignal: AbortSignal | undefined;
    const manager = new Manager({
      kubeConfig: cluster.kubeConfig,
      namespaces: [ns],
      leaderElection: {
        id: 'stolen',
        namespace: ns,
        identity: 'victim',
        leaseDurationMs: 4000,
        renewDeadlineMs: 3000,
        retryPeriodMs: 200,
      },
      metricsBindAddress: '127.0.0.1:0',
      healthProbeBindAddress: '0',
    });
    manager.addController({
      name: 'victim',
      watches: [{ resource: configMaps }],
      reconcile: (_req, ctx) => {
        reconcileSignal = ctx.signal;
        return Promise.resolve(undefined);
      },
    });
    const outcome = manager.start(new AbortController().signal).then(
      () => 'stopped',
      (err: unknown) => String(err),
    );
    await waitFor(() => reconcileSignal, { what: 'leading' });
    const leases = cluster.kubeConfig.makeApiClient(CoordinationV1Api);
    const lease = await leases.readNamespacedLease({ name: 'stolen', namespace: ns });
    lease.spec!.holderIdentity = 'thief';
    await leases.replaceNamespacedLease({ name: 'stolen', namespace: ns, body: lease });
    assert.match(await outcome, /leader election lost/);
    assert.equal(reconcileSignal?.aborted, true, 'reconciles were told to stop');
    assert.equal(
      (await leases.readNamespacedLease({ name: 'stolen', namespace: ns })).spec?.holderIdentity,
      'thief',
      'the loser does not release',
    );
  });
});
