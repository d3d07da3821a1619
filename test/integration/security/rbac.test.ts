// What the operator's ServiceAccount may do, read from the real API server (SelfSubjectRulesReview,
// as the ServiceAccount itself) and compared with the allow-list below: under config/default it may do
// exactly this in every namespace; under config/namespaced only in the namespaces it watches and
// nothing elsewhere. It never reads Secrets, never writes RBAC, never impersonates, and creates Pods
// only as a dry run.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { runCommand, type RunFlags } from '../../../src/operator/run-command.ts';
import { apiStatus } from '../../../src/runtime/errors.ts';
import type { KubeObject } from '../../../src/runtime/object.ts';
import { RestClient } from '../../../src/runtime/rest.ts';
import { applyManifests } from '../../../src/sandbox/manifests.ts';
import {
  OPERATOR_NAMESPACE,
  OPERATOR_SERVICE_ACCOUNT,
  operatorKubeConfig,
  startSandboxOperator,
} from '../../../src/sandbox/operator.ts';
import { sandboxShop } from '../../../src/sandbox/samples.ts';
import { startSimulator, type Simulator } from '../../../src/sandbox/simulator/index.ts';
import { startTestCluster, type TestCluster } from '../../support/cluster.ts';
import { readAppliance } from '../../support/shop.ts';
import { waitFor } from '../../support/wait.ts';

const run = promisify(execFile);
const CONFIG = path.join(import.meta.dirname, '../../../config');

/** Every permission the operator has in a namespace it watches: `group/resource` → verbs. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  'vapp.dev/virtualappliances': ['get', 'list', 'watch', 'patch'],
  'vapp.dev/baseimages': ['get', 'list', 'watch'],
  'vapp.dev/maintenanceplans': ['get', 'list', 'watch', 'patch', 'create'],
  'vapp.dev/maintenancerollouts': ['get', 'list', 'watch', 'patch'],
  'vapp.dev/maintenancerollouts/status': ['patch'],
  'vapp.dev/virtualappliances/status': ['patch'],
  'vapp.dev/maintenanceplans/status': ['patch'],
  'vapp.dev/baseimages/status': ['patch'],
  'vapp.dev/virtualappliances/finalizers': ['update'],
  'kubevirt.io/virtualmachines': ['get', 'list', 'watch', 'patch', 'delete'],
  'kubevirt.io/virtualmachineinstances': ['get', 'list', 'watch', 'patch'],
  '/pods': ['get', 'list', 'watch', 'patch', 'create'],
  '/services': ['get', 'list', 'watch', 'patch', 'create', 'delete'],
  'snapshot.kubevirt.io/virtualmachinesnapshots': ['get', 'list', 'watch', 'create', 'delete'],
  'snapshot.kubevirt.io/virtualmachinesnapshotcontents': ['get', 'list', 'watch'],
  'snapshot.kubevirt.io/virtualmachinerestores': ['get'],
  'clone.kubevirt.io/virtualmachineclones': ['get', 'list', 'watch', 'create', 'delete'],
  'batch/jobs': ['get', 'list', 'watch', 'create', 'delete'],
  '/persistentvolumeclaims': ['get', 'list', 'watch', 'create', 'delete', 'patch'],
  'snapshot.storage.k8s.io/volumesnapshots': ['get', 'list', 'watch', 'create', 'delete', 'patch'],
  'cdi.kubevirt.io/datavolumes': ['get', 'list', 'watch', 'create', 'delete'],
  'cdi.kubevirt.io/datavolumes/source': ['create'],
  'cdi.kubevirt.io/datasources': ['get', 'list', 'watch'],
  'cdi.kubevirt.io/dataimportcrons': ['get', 'list', 'watch', 'patch'],
  'networking.k8s.io/networkpolicies': ['get', 'list', 'watch', 'create', 'delete'],
  '/events': ['create', 'patch'],
  // The data-sync workers' ServiceAccount, and what says where changed blocks come from.
  '/serviceaccounts': ['create'],
  'snapshot.storage.k8s.io/volumesnapshotcontents': ['get'],
  'cbt.storage.k8s.io/snapshotmetadataservices': ['get'],
};
/** In its own namespace, besides: the leader election Lease. */
const ALLOWED_IN_OWN_NAMESPACE: Readonly<Record<string, readonly string[]>> = {
  'coordination.k8s.io/leases': ['get', 'create', 'update'],
};
/** What every authenticated user may do (system:basic-user): ask what it may do. */
const EVERYONE = new Set([
  'authorization.k8s.io/selfsubjectaccessreviews:create',
  'authorization.k8s.io/selfsubjectrulesreviews:create',
  'authentication.k8s.io/selfsubjectreviews:create',
]);

interface ResourceRule {
  readonly verbs: string[];
  readonly apiGroups?: string[];
  readonly resources?: string[];
  readonly resourceNames?: string[];
}

/** The subject's effective rules in `namespace`, as `group/resource:verb`, less what everyone may do. */
async function rulesIn(kc: KubeConfig, namespace: string): Promise<string[]> {
  const review = await new RestClient(kc).request<{
    status: { resourceRules: ResourceRule[]; incomplete: boolean };
  }>('/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', {
    method: 'POST',
    body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace } },
  });
  assert.equal(review.status.incomplete, false, 'RBAC answers completely');
  const permissions = new Set<string>();
  for (const rule of review.status.resourceRules) {
    assert.equal(rule.resourceNames, undefined, `a rule limited to names: ${JSON.stringify(rule)}`);
    for (const group of rule.apiGroups ?? [])
      for (const resource of rule.resources ?? [])
        for (const verb of rule.verbs) permissions.add(`${group}/${resource}:${verb}`);
  }
  return [...permissions].filter((p) => !EVERYONE.has(p)).sort();
}

function expected(...lists: Readonly<Record<string, readonly string[]>>[]): string[] {
  return lists.flatMap((l) => Object.entries(l).flatMap(([r, verbs]) => verbs.map((v) => `${r}:${v}`))).sort();
}

/** What the API server answers `can-i` for the subject (SelfSubjectAccessReview). */
async function may(
  kc: KubeConfig,
  attributes: { verb: string; group?: string; resource: string; namespace?: string },
): Promise<boolean> {
  const review = await new RestClient(kc).request<{ status: { allowed: boolean } }>(
    '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    {
      method: 'POST',
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: { group: '', ...attributes } },
      },
    },
  );
  return review.status.allowed;
}

describe("the operator ServiceAccount's permissions", () => {
  let cluster: TestCluster;
  let operator: KubeConfig;

  before(async () => {
    cluster = await startTestCluster();
    operator = await operatorKubeConfig(cluster); // config/rbac, as config/default installs it
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    for (const name of ['shop', 'elsewhere']) await core.createNamespace({ body: { metadata: { name } } });
  });
  after(async () => {
    await cluster?.stop();
  });

  describe('installed by config/default (every namespace)', () => {
    it('are exactly the allow-list in any namespace, plus the leader Lease in its own', async () => {
      for (const ns of ['shop', 'elsewhere', 'default'])
        assert.deepEqual(await rulesIn(operator, ns), expected(ALLOWED), ns);
      assert.deepEqual(await rulesIn(operator, OPERATOR_NAMESPACE), expected(ALLOWED, ALLOWED_IN_OWN_NAMESPACE));
    });

    it('cannot read Secrets, write RBAC, escalate, impersonate or touch cluster-scoped objects', async () => {
      const denied = [
        ...['get', 'list', 'watch'].map((verb) => ({ verb, resource: 'secrets', namespace: 'shop' })),
        ...['get', 'list', 'watch'].map((verb) => ({ verb, resource: 'secrets' })),
        ...['rolebindings', 'roles'].map((resource) => ({
          verb: 'create',
          group: 'rbac.authorization.k8s.io',
          resource,
          namespace: 'shop',
        })),
        ...['clusterrolebindings', 'clusterroles'].map((resource) => ({
          verb: 'create',
          group: 'rbac.authorization.k8s.io',
          resource,
        })),
        { verb: 'escalate', group: 'rbac.authorization.k8s.io', resource: 'roles', namespace: 'shop' },
        { verb: 'bind', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
        { verb: 'impersonate', resource: 'users' },
        { verb: 'impersonate', resource: 'serviceaccounts', namespace: 'shop' },
        { verb: 'create', resource: 'serviceaccounts/token', namespace: 'shop' },
        { verb: 'get', resource: 'nodes' },
        { verb: 'create', resource: 'namespaces' },
        { verb: 'create', resource: 'pods/exec', namespace: 'shop' },
        { verb: 'update', group: 'kubevirt.io', resource: 'virtualmachines', namespace: 'shop' },
        { verb: 'update', group: 'vapp.dev', resource: 'virtualappliances', namespace: 'shop' },
      ];
      for (const attributes of denied)
        assert.equal(await may(operator, attributes), false, `may not ${JSON.stringify(attributes)}`);
    });

    it('creates Pods only as a server-side dry run: the admission policy refuses any other create', async () => {
      const pods = '/api/v1/namespaces/shop/pods';
      const pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'not-a-dry-run' },
        spec: { containers: [{ name: 'c', image: 'registry.example.com/x:1' }] },
      };
      const client = new RestClient(operator);
      await client.request(pods, { method: 'POST', body: pod, query: { dryRun: 'All' } });
      const refusal = await client.request(pods, { method: 'POST', body: pod }).then(
        () => 'created',
        (err: unknown) => apiStatus(err)?.message ?? String(err),
      );
      assert.match(refusal, /vapp-operator-pods-dry-run-only.*may create Pods only as a server-side dry run/);
    });
  });

  describe('installed by config/namespaced (the watched namespaces only)', () => {
    let simulator: Simulator;
    let volumesDir: string;
    let flags: RunFlags;

    before(async () => {
      const { stdout } = await run('kubectl', ['kustomize', path.join(CONFIG, 'namespaced')], { timeout: 60_000 });
      const objects = parseAllDocuments(stdout).map((d) => d.toJS() as KubeObject);
      assert.equal(
        objects.filter((o) => o.kind === 'ClusterRoleBinding').length,
        0,
        'no cluster-wide binding in the overlay',
      );
      // Its RBAC replaces config/default's (the CRDs and policies are there already; nothing runs the Deployment).
      await new RestClient(cluster.kubeConfig).request(
        '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/vapp-operator',
        { method: 'DELETE' },
      );
      await applyManifests(
        cluster.kubeConfig,
        objects.filter((o) => ['ServiceAccount', 'ClusterRole', 'Role', 'RoleBinding'].includes(o.kind ?? '')),
      );
      const deployment = objects.find((o) => o.kind === 'Deployment') as
        (KubeObject & { spec: { template: { spec: { containers: { args: string[] }[] } } } }) | undefined;
      const [command, ...args] = deployment?.spec.template.spec.containers[0]?.args ?? [];
      assert.equal(command, 'run');
      runCommand()
        .exitOverride()
        .action((opts: RunFlags) => {
          flags = opts;
        })
        .parse(
          args.map((a) => a.replace('$(POD_NAMESPACE)', OPERATOR_NAMESPACE)),
          { from: 'user' },
        );
      volumesDir = await mkdtemp(path.join(tmpdir(), 'vapp-volumes-'));
      simulator = await startSimulator({ kubeConfig: cluster.kubeConfig, readyDelayMs: 0, volumesDir, stepDelayMs: 0 });
    });
    after(async () => {
      await simulator?.stop();
      if (volumesDir) await rm(volumesDir, { recursive: true, force: true });
    });

    it('are the allow-list in the watched namespace and nothing in any other', async () => {
      assert.deepEqual(flags.namespace, ['shop']);
      const sa = await cluster.serviceAccountKubeConfig(OPERATOR_NAMESPACE, OPERATOR_SERVICE_ACCOUNT);
      await waitFor(async () => (await rulesIn(sa, 'elsewhere')).length === 0, {
        what: 'the cluster-wide binding gone from the authorizer',
      });
      assert.deepEqual(await rulesIn(sa, 'shop'), expected(ALLOWED));
      assert.deepEqual(await rulesIn(sa, 'elsewhere'), []);
      assert.deepEqual(await rulesIn(sa, 'default'), []);
      assert.deepEqual(await rulesIn(sa, OPERATOR_NAMESPACE), expected(ALLOWED_IN_OWN_NAMESPACE));
      assert.equal(await may(sa, { verb: 'list', group: 'kubevirt.io', resource: 'virtualmachines' }), false);
    });

    it('runs with those rights: it manages the appliance it watches and leaves the other alone', async () => {
      const sa = await cluster.serviceAccountKubeConfig(OPERATOR_NAMESPACE, OPERATOR_SERVICE_ACCOUNT);
      const operatorProcess = await startSandboxOperator(cluster, { kubeConfig: sa, namespaces: flags.namespace });
      try {
        for (const namespace of ['shop', 'elsewhere'])
          await applyManifests(cluster.kubeConfig, await sandboxShop({ storage: '64Mi' }), { namespace });
        await waitFor(
          async () =>
            (await readAppliance(cluster.kubeConfig, 'shop')).status?.conditions.some(
              (c) => c.type === 'Ready' && c.status === 'True',
            ) === true,
          { what: 'the watched appliance Ready' },
        );
        const other = await readAppliance(cluster.kubeConfig, 'elsewhere');
        assert.equal(other.status, undefined, 'no status on the appliance outside the watched namespaces');
        const vm = await new RestClient(cluster.kubeConfig).request<KubeObject>(
          '/apis/kubevirt.io/v1/namespaces/elsewhere/virtualmachines/shop-db',
        );
        assert.equal(vm.metadata?.labels?.['vapp.dev/appliance'], undefined, 'its VMs are not adopted');
        assert.equal(vm.metadata?.ownerReferences, undefined);
      } finally {
        await operatorProcess.stop();
      }
    });
  });
});
