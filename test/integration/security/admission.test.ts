// The shipped admission policies (config/admission) on the real API server, with an impersonated user
// who may edit the vapp.dev kinds only: through the operator, she gets no more than her own role
// allows. Given the rights, the same objects are admitted and the maintenance runs under the operator.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import type { MaintenancePlanInput } from '../../../src/api/v1alpha1/index.ts';
import { apiStatus } from '../../../src/runtime/errors.ts';
import type { KubeObject } from '../../../src/runtime/object.ts';
import { RestClient } from '../../../src/runtime/rest.ts';
import { impersonating } from '../../../src/sandbox/impersonation.ts';
import { applyManifests } from '../../../src/sandbox/manifests.ts';
import { startSandboxOperator, type SandboxOperator } from '../../../src/sandbox/operator.ts';
import { samplePlan, sandboxShop } from '../../../src/sandbox/samples.ts';
import { startSimulator, type Simulator } from '../../../src/sandbox/simulator/index.ts';
import { startTestCluster, type TestCluster } from '../../support/cluster.ts';
import { waitForPhase } from '../../support/shop.ts';
import { waitFor } from '../../support/wait.ts';

const NS = 'tenant';
const USER = 'alice';

describe('admission checks the requesting user, not the operator', () => {
  let cluster: TestCluster;
  let simulator: Simulator;
  let operator: SandboxOperator;
  let volumesDir: string;
  let appliance: KubeObject;
  let plan: MaintenancePlanInput;

  type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };
  const VMS: Rule = { apiGroups: ['kubevirt.io'], resources: ['virtualmachines'], verbs: ['update'] };
  const SERVICES: Rule = { apiGroups: [''], resources: ['services'], verbs: ['patch'] };
  const JOBS: Rule = { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create'] };

  /**
   * A user with edit rights on the vapp.dev kinds (the ClusterRole aggregated into edit, config/rbac)
   * plus `rules` in the namespace; returns a client that impersonates them.
   */
  async function user(name: string, rules: readonly Rule[]): Promise<RestClient> {
    const binding = (roleRef: { kind: string; name: string }, bindingName: string) =>
      ({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: bindingName, namespace: NS },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name }],
      }) as KubeObject;
    await applyManifests(cluster.kubeConfig, [
      binding({ kind: 'ClusterRole', name: 'vapp-operator-edit' }, `${name}-vapp-edit`),
      ...(rules.length === 0
        ? []
        : [
            {
              apiVersion: 'rbac.authorization.k8s.io/v1',
              kind: 'Role',
              metadata: { name, namespace: NS },
              rules: rules.map((r) => ({ ...r })),
            } as KubeObject,
            binding({ kind: 'Role', name }, name),
          ]),
    ]);
    return new RestClient(impersonating(cluster.kubeConfig, name));
  }

  /** The user creates the object; resolves to the API server's refusal message, or undefined when admitted. */
  async function create(client: RestClient, obj: KubeObject, dryRun = true): Promise<string | undefined> {
    const plural = obj.kind === 'VirtualAppliance' ? 'virtualappliances' : 'maintenanceplans';
    try {
      await client.request(`/apis/vapp.dev/v1alpha1/namespaces/${NS}/${plural}`, {
        method: 'POST',
        body: obj,
        ...(dryRun ? { query: { dryRun: 'All' } } : {}),
      });
      return undefined;
    } catch (err) {
      const status = apiStatus(err);
      assert.equal(status?.code, 403, `refused as Forbidden: ${status?.message ?? String(err)}`);
      return status?.message ?? '';
    }
  }

  /** Waits until the dry-run is refused by a policy (RBAC changes reach the authorizer a moment later). */
  const refused = (client: RestClient, obj: KubeObject) =>
    waitFor(
      async () => {
        const message = await create(client, obj);
        return message?.includes('ValidatingAdmissionPolicy') === true && message;
      },
      { what: 'a refusal by an admission policy' },
    );

  before(async () => {
    cluster = await startTestCluster();
    volumesDir = await mkdtemp(path.join(tmpdir(), 'vapp-volumes-'));
    simulator = await startSimulator({ kubeConfig: cluster.kubeConfig, readyDelayMs: 0, volumesDir, stepDelayMs: 0 });
    operator = await startSandboxOperator(cluster, {
      controllers: { maintenance: { observeIntervalMs: 1_000 } },
    });
    await cluster.kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NS } } });
    // The admin creates the VMs, volumes and Services; alice brings the appliance and the plan.
    const shop = await sandboxShop({ storage: '64Mi' });
    await applyManifests(
      cluster.kubeConfig,
      shop.filter((o) => o.kind !== 'VirtualAppliance'),
      { namespace: NS },
    );
    appliance = shop.find((o) => o.kind === 'VirtualAppliance') as KubeObject;
    const sample = (await samplePlan()) as unknown as MaintenancePlanInput;
    delete sample.spec.window;
    plan = {
      ...sample,
      spec: {
        ...sample.spec,
        verify: {
          timeoutSeconds: 60,
          job: {
            template: {
              spec: {
                template: {
                  spec: {
                    restartPolicy: 'Never',
                    containers: [{ name: 'check', image: 'registry.example.com/shop/smoke:1.0' }],
                  },
                },
              },
            },
          },
        },
        rollback: { ...sample.spec.rollback, observeSeconds: 0 },
      },
    };
  });
  after(async () => {
    await operator?.stop();
    await simulator?.stop();
    await cluster?.stop();
    if (volumesDir) await rm(volumesDir, { recursive: true, force: true });
  });

  it('type-checks every shipped policy against the CRDs without a warning', async () => {
    const admin = new RestClient(cluster.kubeConfig);
    const policies = await waitFor(
      async () => {
        const list = await admin.request<{
          items: { metadata: { name: string }; status?: { typeChecking?: { expressionWarnings?: unknown[] } } }[];
        }>('/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies', {
          query: { labelSelector: 'app.kubernetes.io/name=vapp-operator' },
        });
        return list.items.every((p) => p.status?.typeChecking !== undefined) && list.items;
      },
      { what: 'type checking of the policies' },
    );
    assert.equal(policies.length, 4);
    for (const p of policies) assert.deepEqual(p.status?.typeChecking?.expressionWarnings ?? [], [], p.metadata.name);
  });

  it('refuses a user an appliance over VMs she may not update, naming the field and the permission', async () => {
    const carol = await user('carol', [SERVICES, JOBS]);
    assert.match(
      await refused(carol, appliance),
      /spec\.members\[0\]\.vm: you may not update VirtualMachine shop-db \(carol lacks update on virtualmachines\.kubevirt\.io in namespace tenant\)/,
    );
  });

  it('refuses a user an appliance over a Service she may not patch', async () => {
    const dave = await user('dave', [VMS, JOBS]);
    assert.match(
      await refused(dave, appliance),
      /spec\.services\[0\]: you may not patch Service shop-web \(dave lacks patch on services in namespace tenant\)/,
    );
  });

  it('refuses a Job update strategy and a Job check to a user who may not create Jobs', async () => {
    const erin = await user('erin', [VMS, SERVICES]);
    assert.match(
      await refused(erin, appliance),
      /spec\.members\[1\]\.components\[0\]\.update\.job: you may not create Jobs \(erin lacks create on jobs\.batch in namespace tenant\)/,
    );
    assert.match(
      await refused(erin, plan),
      /spec\.verify\.job: you may not create Jobs \(erin lacks create on jobs\.batch in namespace tenant\)/,
    );
  });

  it('admits the same objects from a user with those rights, and the maintenance runs under the operator', async () => {
    const alice = await user(USER, [VMS, SERVICES, JOBS]);
    await waitFor(async () => (await create(alice, appliance)) === undefined, { what: 'the appliance admitted' });
    assert.equal(await create(alice, appliance, false), undefined);
    assert.equal(await create(alice, plan as KubeObject, false), undefined);
    // The operator's own writes (adoption, status, finalizers, Services, Jobs) are not checked against alice.
    const done = await waitForPhase(
      cluster.kubeConfig,
      NS,
      plan.metadata.name ?? '',
      (p) => p === 'Succeeded' || p === 'Failed',
      120_000,
    );
    assert.equal(done.status?.phase, 'Succeeded', JSON.stringify(done.status?.steps));
  });

  it('checks each Service by name: a role naming two of the three is refused the third', async () => {
    const bob = await user('bob', [VMS, JOBS, { ...SERVICES, resourceNames: ['shop-web', 'shop-app'] }]);
    assert.match(
      await refused(bob, { ...appliance, metadata: { name: 'bobs-shop' } }),
      /spec\.services\[2\]: you may not patch Service shop-db \(bob lacks patch on services/,
    );
  });
});
