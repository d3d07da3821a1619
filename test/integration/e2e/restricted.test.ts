// A whole maintenance in a namespace whose Pod Security level is `restricted`, enforced by the real
// API server's PodSecurity admission: every Pod the operator has created there (data sync, HTTP
// check) and the sample's update Job must meet it, and so must the simulated virt-launcher Pods
// (KubeVirt's non-root launcher with a seccomp profile). A check Job the level refuses ends the plan
// with the refusal as its reason, not with a wait for a Job whose Pods never come; so does a Job
// template the Job API refuses.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import type { MaintenancePlanInput } from '../../../src/api/v1alpha1/index.ts';
import { applyManifests } from '../../../src/sandbox/manifests.ts';
import { startSandboxOperator, type SandboxOperator } from '../../../src/sandbox/operator.ts';
import { samplePlan, sandboxShop } from '../../../src/sandbox/samples.ts';
import { startSimulator, type Simulator } from '../../../src/sandbox/simulator/index.ts';
import { startTestCluster, type TestCluster } from '../../support/cluster.ts';
import { deletePlan, readAppliance, waitForPhase, waitForWarning } from '../../support/shop.ts';
import { waitFor } from '../../support/wait.ts';

const NS = 'locked-down';
const RESTRICTED = {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/enforce-version': 'latest',
};

describe('a maintenance in a namespace with Pod Security restricted', () => {
  let cluster: TestCluster;
  let simulator: Simulator;
  let operator: SandboxOperator;
  let volumesDir: string;
  let sample: MaintenancePlanInput;

  /** The sample plan under another name, with no window and a short observation. */
  async function applyPlan(name: string, verify: MaintenancePlanInput['spec']['verify']): Promise<void> {
    const spec = structuredClone(sample.spec);
    delete spec.window;
    const plan = {
      ...sample,
      metadata: { name },
      spec: { ...spec, verify, rollback: { ...spec.rollback, observeSeconds: 1, retainOriginalFor: '1s' } },
    };
    await applyManifests(cluster.kubeConfig, [plan], { namespace: NS });
  }

  before(async () => {
    cluster = await startTestCluster();
    volumesDir = await mkdtemp(path.join(tmpdir(), 'vapp-volumes-'));
    simulator = await startSimulator({ kubeConfig: cluster.kubeConfig, readyDelayMs: 0, volumesDir, stepDelayMs: 0 });
    operator = await startSandboxOperator(cluster, { controllers: { maintenance: { observeIntervalMs: 1_000 } } });
    sample = (await samplePlan()) as unknown as MaintenancePlanInput;
    await cluster.kubeConfig
      .makeApiClient(CoreV1Api)
      .createNamespace({ body: { metadata: { name: NS, labels: RESTRICTED } } });
    await applyManifests(cluster.kubeConfig, await sandboxShop({ storage: '64Mi', workload: 20 }), { namespace: NS });
    await waitFor(
      async () =>
        (await readAppliance(cluster.kubeConfig, NS)).status?.conditions.some(
          (c) => c.type === 'Ready' && c.status === 'True',
        ) === true,
      { what: 'the shop Ready in the restricted namespace: its launcher Pods were admitted' },
    );
  });
  after(async () => {
    await operator?.stop();
    await simulator?.stop();
    await cluster?.stop();
    if (volumesDir) await rm(volumesDir, { recursive: true, force: true });
  });

  it('a check Job with privileged: true fails the plan with the Pod Security refusal as its reason', async () => {
    const name = 'privileged-check';
    await applyPlan(name, {
      timeoutSeconds: 60,
      job: {
        template: {
          spec: {
            template: {
              spec: {
                restartPolicy: 'Never',
                containers: [
                  { name: 'check', image: 'registry.example.com/check:1', securityContext: { privileged: true } },
                ],
              },
            },
          },
        },
      },
    });
    const plan = await waitForPhase(cluster.kubeConfig, NS, name, (p) => p === 'Failed' || p === 'Succeeded');
    assert.equal(plan.status?.phase, 'Failed');
    const stalled = plan.status?.conditions.find((c) => c.type === 'Stalled');
    assert.equal(stalled?.reason, 'PodSecurityRefused', stalled?.message);
    const verify = plan.status?.steps.find((s) => s.name === 'Verify');
    assert.equal(verify?.state, 'Failed');
    assert.match(verify?.message ?? '', /violates PodSecurity "restricted:latest": privileged \(container "check"/);
    assert.match(await waitForWarning(cluster.kubeConfig, NS, name, 'PodSecurityRefused'), /^Verify: /);
    await deletePlan(cluster.kubeConfig, NS, name);
  });

  it("a check Job the Job API refuses fails the plan with InvalidJobTemplate and the API server's words", async () => {
    const name = 'invalid-check';
    await applyPlan(name, {
      timeoutSeconds: 60,
      job: {
        template: {
          spec: {
            template: {
              spec: {
                // Fine for a Pod, refused for a Job.
                restartPolicy: 'Always',
                securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } },
                containers: [
                  {
                    name: 'check',
                    image: 'registry.example.com/check:1',
                    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
                  },
                ],
              },
            },
          },
        },
      },
    });
    const plan = await waitForPhase(cluster.kubeConfig, NS, name, (p) => p === 'Failed' || p === 'Succeeded');
    const stalled = plan.status?.conditions.find((c) => c.type === 'Stalled');
    assert.equal(stalled?.reason, 'InvalidJobTemplate', stalled?.message);
    assert.match(
      plan.status?.steps.find((s) => s.name === 'Verify')?.message ?? '',
      /Job\.batch "invalid-check-verify-1" is invalid: spec\.template\.spec\.restartPolicy: Required value: valid values: "OnFailure", "Never"/,
    );
    await deletePlan(cluster.kubeConfig, NS, name);
  });

  it('the whole maintenance succeeds: data sync, checks, update Job and launcher Pods all meet restricted', async () => {
    const name = 'restricted-run';
    await applyPlan(name, sample.spec.verify);
    const plan = await waitForPhase(
      cluster.kubeConfig,
      NS,
      name,
      (p) => p === 'Failed' || p === 'Succeeded' || p === 'Aborted',
      120_000,
    );
    assert.equal(plan.status?.phase, 'Succeeded', JSON.stringify(plan.status?.conditions));
    assert.equal((await readAppliance(cluster.kubeConfig, NS)).status?.activeSlot, 'green');
    assert.ok(plan.status?.steps.find((s) => s.name === 'Update')?.state === 'Succeeded', 'the update Job ran');
    // Nothing was refused on the way: no Job controller FailedCreate Event in the namespace.
    const events = await cluster.kubeConfig.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: NS });
    assert.deepEqual(
      events.items.filter((e) => e.reason === 'FailedCreate').map((e) => e.message),
      [],
    );
    assert.ok((plan.status?.syncRounds.length ?? 0) >= 1, 'the data-sync Jobs ran');
  });
});
