// 410 Gone: the informer was disconnected while etcd compacted past its resourceVersion. The
// watch cache is off so that watches are served by etcd, which answers a compacted revision
// with 410; compaction runs every second.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CoreV1Api } from '@kubernetes/client-node';
import { startTestCluster, type TestCluster } from '../../support/cluster.ts';
import { waitFor } from '../../support/wait.ts';
import { Informer } from '../../../src/runtime/informer.ts';
import type { KubeObject } from '../../../src/runtime/object.ts';
import { RestClient } from '../../../src/runtime/rest.ts';
import { kubeConfigVia, uniqueName } from './helpers.ts';
import { TcpProxy } from './tcp-proxy.ts';

const configMaps = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap' };

/** The first watch event from `rv`: 'ERROR 410' once etcd has compacted that revision. */
async function firstWatchEvent(client: RestClient, ns: string, rv: string): Promise<string> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), 3000);
  try {
    const stream = await client.stream(`/api/v1/namespaces/${ns}/configmaps`, {
      query: { watch: true, resourceVersion: rv },
      signal: ac.signal,
    });
    let text = '';
    for await (const chunk of stream) {
      text += Buffer.from(chunk).toString();
      const nl = text.indexOf('\n');
      if (nl >= 0) {
        const ev = JSON.parse(text.slice(0, nl)) as { type: string; object: { code?: number } };
        return ev.type === 'ERROR' ? `ERROR ${ev.object.code ?? '?'}` : ev.type;
      }
    }
    return 'closed';
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
}

describe('Informer and 410 Gone', () => {
  let cluster: TestCluster;
  let proxy: TcpProxy;
  let informer: Informer | undefined;

  before(async () => {
    cluster = await startTestCluster({ apiServerArgs: ['--watch-cache=false', '--etcd-compaction-interval=1s'] });
    proxy = await TcpProxy.start(cluster.server);
  });

  after(async () => {
    await informer?.stop();
    await proxy.stop();
    await cluster.stop();
  });

  it('relists after its resourceVersion was compacted away, reporting what changed meanwhile', async () => {
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    const ns = uniqueName('gone');
    await core.createNamespace({ body: { metadata: { name: ns } } });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'doomed' } } });
    informer = new Informer({
      client: new RestClient(kubeConfigVia(cluster.kubeConfig, `https://127.0.0.1:${proxy.port}`), { timeoutMs: 5000 }),
      resource: configMaps,
      namespaces: [ns],
      backoffBaseMs: 100,
      backoffMaxMs: 500,
    });
    const events: string[] = [];
    const name = (o: KubeObject): string => o.metadata?.name ?? '';
    informer.addEventHandler({
      onAdd: (o) => events.push(`add ${name(o)}`),
      onDelete: (o) => events.push(`delete ${name(o)}`),
    });
    informer.start();
    await informer.waitForSync();
    const probe = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'probe' } } });
    await waitFor(() => informer?.store.get(`${ns}/probe`), { what: 'the watch to be live' });

    proxy.refuse(true);
    proxy.cutAll();
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'born' } } });
    await core.deleteNamespacedConfigMap({ namespace: ns, name: 'doomed' });
    const admin = new RestClient(cluster.kubeConfig);
    await waitFor(async () => (await firstWatchEvent(admin, ns, probe.metadata!.resourceVersion!)) === 'ERROR 410', {
      what: "etcd to compact past the informer's resourceVersion",
      timeoutMs: 30_000,
      intervalMs: 500,
    });
    assert.equal(informer.store.get(`${ns}/born`), undefined, 'disconnected so far');

    proxy.refuse(false);
    await waitFor(() => informer?.store.get(`${ns}/born`) && !informer.store.get(`${ns}/doomed`), {
      what: 'relisted state',
      timeoutMs: 15_000,
    });
    assert.ok(informer.stats.gone >= 1, 'saw 410 Gone');
    assert.equal(informer.stats.lists, 2, 'relisted once');
    assert.deepEqual(
      events.filter((e) => /born|doomed/.test(e)),
      ['add doomed', 'add born', 'delete doomed'],
    );
  });
});
