// The sandbox must behave like a cluster: real discovery, garbage collection, namespace deletion,
// Jobs, ResourceQuotas, and KubeVirt's real schema validating VirtualMachines. And it must start
// whatever else runs on the machine: a port taken between being chosen and being bound is retried.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ApisApi,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type ApiException,
  type V1Job,
  type V1PersistentVolumeClaim,
} from '@kubernetes/client-node';
import { startControlPlane } from '../../../src/sandbox/controlplane/controlplane.ts';
import { freePort } from '../../../src/sandbox/controlplane/ports.ts';
import { startTestCluster, type TestCluster } from '../../support/cluster.ts';
import { waitFor } from '../../support/wait.ts';

const isNotFound = (err: unknown): boolean => (err as ApiException<unknown>).code === 404;

/** Processes whose command line mentions `text`, by the base name of their program. */
async function processesMentioning(text: string): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (argv.some((arg) => arg.includes(text))) found.set(path.basename(argv[0] ?? ''), Number(entry));
  }
  return found;
}

/** The TCP ports a process listens on, from its socket descriptors and the kernel's TCP tables. */
async function listeningTcpPorts(pid: number): Promise<number[]> {
  const sockets = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode !== undefined) sockets.add(inode);
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of (await readFile(table, 'utf8').catch(() => '')).trim().split('\n').slice(1)) {
      const [, local, , state, , , , , , inode] = line.trim().split(/\s+/);
      if (state === '0A' && inode !== undefined && sockets.has(inode))
        ports.push(parseInt(local?.split(':')[1] ?? '', 16));
    }
  }
  return ports;
}

/** A server that holds a loopback port, as another program on the machine would (it hangs up on every client). */
async function holdPort(): Promise<{ port: number; server: Server }> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, server };
}

const refusedOverQuota = (err: ApiException<string>): boolean =>
  err.code === 403 && err.body.includes('exceeded quota');

describe('sandbox control plane', () => {
  let cluster: TestCluster;
  let core: CoreV1Api;
  before(async () => {
    cluster = await startTestCluster();
    core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  });
  after(async () => cluster.stop());

  it('serves the vapp.dev, KubeVirt, CDI and CSI snapshot API groups', async () => {
    const groups = await cluster.kubeConfig.makeApiClient(ApisApi).getAPIVersions();
    const served = new Map(groups.groups.map((g) => [g.name, g.versions.map((v) => v.version)]));
    assert.deepEqual(served.get('kubevirt.io'), ['v1']);
    assert.deepEqual(served.get('snapshot.kubevirt.io'), ['v1beta1']);
    assert.deepEqual(served.get('clone.kubevirt.io'), ['v1beta1']);
    assert.deepEqual(served.get('cdi.kubevirt.io'), ['v1beta1']);
    assert.deepEqual(served.get('snapshot.storage.k8s.io'), ['v1']);
    assert.deepEqual(served.get('vapp.dev'), ['v1alpha1']);
  });

  it("validates VirtualMachines against KubeVirt's schema", async () => {
    const vms = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
    const body = {
      apiVersion: 'kubevirt.io/v1',
      kind: 'VirtualMachine',
      metadata: { name: 'bad-bus' },
      spec: {
        runStrategy: 'Always',
        template: { spec: { domain: { devices: { disks: [{ name: 'root', disk: { bus: 7 } }] } } } },
      },
    };
    await assert.rejects(
      vms.createNamespacedCustomObject({
        group: 'kubevirt.io',
        version: 'v1',
        namespace: 'default',
        plural: 'virtualmachines',
        body,
      }),
      (err: ApiException<string>) =>
        err.code === 422 && err.body.includes('spec.template.spec.domain.devices.disks[0].disk.bus'),
    );
  });

  it('garbage-collects dependents when their owner is deleted', async () => {
    const owner = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'owner' } } });
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: {
        metadata: {
          name: 'dependent',
          ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid! }],
        },
      },
    });
    await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'owner' });
    await waitFor(
      async () =>
        core.readNamespacedConfigMap({ namespace: 'default', name: 'dependent' }).then(() => false, isNotFound),
      { what: 'the dependent ConfigMap to be garbage-collected' },
    );
  });

  it('completes a namespace deletion, custom resources included', async () => {
    await core.createNamespace({ body: { metadata: { name: 'doomed' } } });
    await cluster.kubeConfig.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
      group: 'kubevirt.io',
      version: 'v1',
      namespace: 'doomed',
      plural: 'virtualmachines',
      body: {
        apiVersion: 'kubevirt.io/v1',
        kind: 'VirtualMachine',
        metadata: { name: 'vm' },
        spec: { runStrategy: 'Halted', template: { spec: { domain: { devices: {} } } } },
      },
    });
    await core.deleteNamespace({ name: 'doomed' });
    await waitFor(async () => core.readNamespace({ name: 'doomed' }).then(() => false, isNotFound), {
      what: 'the namespace to be deleted',
      timeoutMs: 60_000,
    });
  });

  it('runs the Job controller: a Job gets its Pod', async () => {
    await cluster.kubeConfig.makeApiClient(BatchV1Api).createNamespacedJob({
      namespace: 'default',
      body: {
        metadata: { name: 'hello' },
        spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
      },
    });
    const pods = await waitFor(
      async () => {
        const list = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'job-name=hello' });
        return list.items.length > 0 && list.items;
      },
      { what: 'the Job controller to create a Pod' },
    );
    assert.equal(pods[0]!.spec?.containers[0]?.image, 'busybox');
  });

  it("listens on one TCP port, the API server's: etcd serves on Unix sockets, the controller manager on none", async () => {
    const servers = await processesMentioning(cluster.dir);
    assert.deepEqual([...servers.keys()].sort(), ['etcd', 'kube-apiserver', 'kube-controller-manager']);
    const listening = Object.fromEntries(
      await Promise.all([...servers].map(async ([name, pid]) => [name, await listeningTcpPorts(pid)] as const)),
    );
    assert.deepEqual(listening, {
      etcd: [],
      'kube-apiserver': [Number(new URL(cluster.server).port)],
      'kube-controller-manager': [],
    });
  });

  it('enforces a ResourceQuota on PersistentVolumeClaims: status computed, the claim over it refused', async () => {
    const namespace = 'quota-claims';
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await core.createNamespacedResourceQuota({
      namespace,
      body: { metadata: { name: 'claims' }, spec: { hard: { persistentvolumeclaims: '1' } } },
    });
    const status = async () => (await core.readNamespacedResourceQuota({ namespace, name: 'claims' })).status;
    const computed = await waitFor(
      async () => {
        const current = await status();
        return current?.used !== undefined && current;
      },
      { what: 'the resourcequota controller to compute the quota status' },
    );
    assert.deepEqual(computed.hard, { persistentvolumeclaims: '1' });
    assert.deepEqual(computed.used, { persistentvolumeclaims: '0' });
    const claim = (name: string): V1PersistentVolumeClaim => ({
      metadata: { name },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    });
    await core.createNamespacedPersistentVolumeClaim({ namespace, body: claim('first') });
    await assert.rejects(
      core.createNamespacedPersistentVolumeClaim({ namespace, body: claim('second') }),
      refusedOverQuota,
    );
    assert.equal((await status())?.used?.persistentvolumeclaims, '1');

    // Deleting the claim gives the quota back (the controller recounts), and a new claim fits.
    await core.deleteNamespacedPersistentVolumeClaim({ namespace, name: 'first' });
    await waitFor(async () => (await status())?.used?.persistentvolumeclaims === '0', {
      what: 'the quota to be given back',
    });
    await core.createNamespacedPersistentVolumeClaim({ namespace, body: claim('second') });
  });

  it('enforces an object count quota on Jobs (count/jobs.batch)', async () => {
    const namespace = 'quota-jobs';
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await core.createNamespacedResourceQuota({
      namespace,
      body: { metadata: { name: 'jobs' }, spec: { hard: { 'count/jobs.batch': '1' } } },
    });
    await waitFor(
      async () => {
        const quota = await core.readNamespacedResourceQuota({ namespace, name: 'jobs' });
        return quota.status?.hard?.['count/jobs.batch'] === '1' && quota.status.used?.['count/jobs.batch'] === '0';
      },
      { what: 'the resourcequota controller to compute the quota status' },
    );
    const batch = cluster.kubeConfig.makeApiClient(BatchV1Api);
    const job = (name: string): V1Job => ({
      metadata: { name },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    await batch.createNamespacedJob({ namespace, body: job('first') });
    await assert.rejects(batch.createNamespacedJob({ namespace, body: job('second') }), refusedOverQuota);
  });

  it('enforces RBAC: a ServiceAccount without bindings cannot list Pods', async () => {
    const kc = await cluster.serviceAccountKubeConfig('default', 'nobody');
    await assert.rejects(
      kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'default' }),
      (err: ApiException<string>) => err.code === 403,
    );
  });
});

describe('sandbox control plane start', () => {
  it('starts kube-apiserver again on a new port when the one chosen is taken before it binds', async () => {
    const holder = await holdPort();
    const chosen: number[] = [];
    // The first port handed out is the one another program took meanwhile, as can happen to freePort's.
    const choosePort = async (): Promise<number> => {
      chosen.push(chosen.length === 0 ? holder.port : await freePort());
      return chosen.at(-1)!;
    };
    try {
      const cp = await startControlPlane({ controllerManager: false, choosePort });
      try {
        assert.equal(chosen.length, 2);
        assert.equal(cp.server, `https://127.0.0.1:${chosen[1]}`);
        const log = await readFile(path.join(cp.dir, 'kube-apiserver.log'), 'utf8');
        assert.match(log, new RegExp(`listen tcp 127\\.0\\.0\\.1:${holder.port}: bind: address already in use`));
        const namespaces = await cp.kubeConfig.makeApiClient(CoreV1Api).listNamespace();
        assert.ok(namespaces.items.some((n) => n.metadata?.name === 'default'));
      } finally {
        await cp.stop();
      }
    } finally {
      await new Promise((resolve) => holder.server.close(resolve));
    }
  });

  it('gives up after a few ports, all taken, with an error that says so, leaving no server running', async () => {
    const holder = await holdPort();
    const dir = await mkdtemp(path.join(tmpdir(), 'vapp-cp-taken-'));
    let attempts = 0;
    try {
      await assert.rejects(
        startControlPlane({
          dir,
          controllerManager: false,
          choosePort: () => {
            attempts++;
            return Promise.resolve(holder.port);
          },
        }),
        new RegExp(
          `could not bind a port in 5 attempts: each port chosen \\(${holder.port}(, ${holder.port}){4}\\) was taken`,
        ),
      );
      assert.equal(attempts, 5);
      assert.deepEqual([...(await processesMentioning(dir)).keys()], [], 'etcd and kube-apiserver stopped');
    } finally {
      await new Promise((resolve) => holder.server.close(resolve));
      await rm(dir, { recursive: true, force: true });
    }
  });
});
