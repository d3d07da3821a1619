import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CoreV1Api } from '@kubernetes/client-node';
import type { KubeObject } from '../../../src/runtime/object.ts';
import { startTestCluster, type TestCluster } from '../../support/cluster.ts';
import { waitFor } from '../../support/wait.ts';
import { Informer } from '../../../src/runtime/informer.ts';
import { RestClient } from '../../../src/runtime/rest.ts';
import { labelIndex } from '../../../src/runtime/store.ts';
import { kubeConfigVia, uniqueName } from './helpers.ts';
import { TcpProxy } from './tcp-proxy.ts';

const configMaps = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap' };

describe('Informer against a real API server', () => {
  let cluster: TestCluster;
  let core: CoreV1Api;
  const informers: Informer[] = [];
  const proxies: TcpProxy[] = [];

  before(async () => {
    cluster = await startTestCluster();
    core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  });

  after(async () => {
    await Promise.all(informers.map((i) => i.stop()));
    await Promise.all(proxies.map((p) => p.stop()));
    await cluster.stop();
  });

  async function namespace(): Promise<string> {
    const name = uniqueName('inf');
    await core.createNamespace({ body: { metadata: { name } } });
    return name;
  }

  /** Starts an informer that reaches the API server through its own fault-injecting proxy. */
  async function start(ns: string | string[], opts: { watchdogMs?: number } = {}) {
    const proxy = await TcpProxy.start(cluster.server);
    proxies.push(proxy);
    const client = new RestClient(kubeConfigVia(cluster.kubeConfig, `https://127.0.0.1:${proxy.port}`), {
      timeoutMs: 5000,
    });
    const informer = new Informer({
      client,
      resource: configMaps,
      namespaces: Array.isArray(ns) ? ns : [ns],
      backoffBaseMs: 100,
      backoffMaxMs: 1000,
      ...opts,
    });
    informers.push(informer);
    const t = { informer, proxy, events: [] as string[] };
    const name = (o: KubeObject): string => o.metadata?.name ?? '';
    informer.addEventHandler({
      onAdd: (o) => t.events.push(`add ${name(o)}`),
      onUpdate: (_, o) => t.events.push(`update ${name(o)}`),
      onDelete: (o) => t.events.push(`delete ${name(o)}`),
    });
    informer.start();
    return t;
  }

  it('lists, then delivers adds, updates and deletes, and keeps indexes current', async () => {
    const ns = await namespace();
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'pre', labels: { 'vapp.dev/appliance': 'shop' } } },
    });
    const { informer, events } = await start(ns);
    informer.store.addIndex('appliance', labelIndex('vapp.dev/appliance'));
    await informer.waitForSync();
    assert.ok(informer.synced);
    assert.deepEqual(
      events.filter((e) => e.endsWith('pre')),
      ['add pre'],
    );
    assert.equal(informer.store.get(`${ns}/pre`)?.kind, 'ConfigMap', 'listed objects get apiVersion/kind');

    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'new', labels: { 'vapp.dev/appliance': 'shop' } } },
    });
    await core.patchNamespacedConfigMap({
      namespace: ns,
      name: 'pre',
      body: [{ op: 'add', path: '/data', value: { a: '1' } }],
    });
    await core.deleteNamespacedConfigMap({ namespace: ns, name: 'pre' });
    await waitFor(() => events.includes('delete pre'), { what: 'delete event' });
    assert.deepEqual(
      events.filter((e) => !e.includes('kube-root-ca')),
      ['add pre', 'add new', 'update pre', 'delete pre'],
    );
    assert.deepEqual(
      informer.store.byIndex('appliance', `${ns}/shop`).map((o) => o.metadata?.name),
      ['new'],
    );
  });

  it('survives its watch connection being cut and sees changes made afterwards', async () => {
    const ns = await namespace();
    const { informer, proxy } = await start(ns);
    await informer.waitForSync();
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'probe' } } });
    await waitFor(() => informer.store.get(`${ns}/probe`), { what: 'the watch to be live' });
    const watchesBefore = informer.stats.watches;
    proxy.cutAll();
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'after-cut' } } });
    await waitFor(() => informer.store.get(`${ns}/after-cut`), {
      what: 'object created after the cut',
      timeoutMs: 15_000,
    });
    assert.ok(informer.stats.watches > watchesBefore, 'a new watch was opened');
    assert.equal(informer.stats.lists, 1, 'resumed from its resourceVersion without relisting');
  });

  it('retries with backoff while the API server is unreachable, then catches up', async () => {
    const ns = await namespace();
    const { informer, events, proxy } = await start(ns);
    await informer.waitForSync();
    proxy.refuse(true);
    proxy.cutAll();
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'while-down' } } });
    await waitFor(() => informer.stats.errors >= 2, { what: 'failed reconnect attempts' });
    assert.equal(informer.store.get(`${ns}/while-down`), undefined);
    proxy.refuse(false);
    await waitFor(() => informer.store.get(`${ns}/while-down`), {
      what: 'catch-up after reconnect',
      timeoutMs: 15_000,
    });
    assert.ok(events.includes('add while-down'));
  });

  it('restarts a watch that went silent (watchdog)', async () => {
    const ns = await namespace();
    const { informer, proxy } = await start(ns, { watchdogMs: 1500 });
    await informer.waitForSync();
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'probe' } } });
    await waitFor(() => informer.store.get(`${ns}/probe`), { what: 'the watch to be live' });
    proxy.freezeAll(); // connections stay open, nothing gets through
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'behind-frozen' } } });
    await waitFor(() => informer.store.get(`${ns}/behind-frozen`), {
      what: 'event after watchdog restart',
      timeoutMs: 15_000,
    });
    assert.ok(informer.stats.watchdogRestarts >= 1);
  });

  it('watches several namespaces into one cache and stops cleanly', async () => {
    const [a, b, c] = [await namespace(), await namespace(), await namespace()];
    for (const ns of [a, b, c])
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'x' } } });
    const { informer } = await start([a, b]);
    await informer.waitForSync();
    const names = informer.store
      .keys()
      .filter((k) => k.endsWith('/x'))
      .sort();
    assert.deepEqual(names, [`${a}/x`, `${b}/x`].sort());
    await informer.stop();
    await core.createNamespacedConfigMap({ namespace: a, body: { metadata: { name: 'after-stop' } } });
    const other = await start(a);
    await other.informer.waitForSync();
    assert.ok(other.informer.store.get(`${a}/after-stop`));
    assert.equal(informer.store.get(`${a}/after-stop`), undefined, 'a stopped informer receives nothing');
  });
});
