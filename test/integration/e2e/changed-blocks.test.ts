// The data-sync rounds on changed blocks from CSI SnapshotMetadata, end to end on one sandbox: the
// sandbox's CSI drivers serve the Kubernetes SnapshotMetadata API (TLS, TokenReview with the
// audience, SubjectAccessReview, the sidecar's status codes) from the workload's write ledger, the
// simulated kubelet fills the worker's projected token through TokenRequest, and the real worker
// client streams GetMetadataDelta into its copier. Each case is a whole plan, checked as a user
// would: status.syncRounds, the plan's Events, and every ledgered write on the clone's volume.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import type { MaintenancePlan } from '../../../src/api/v1alpha1/index.ts';
import { RestClient } from '../../../src/runtime/rest.ts';
import { applyManifests } from '../../../src/sandbox/manifests.ts';
import { datasyncRoleBinding } from '../../../src/sandbox/samples.ts';
import { verifyCutOverData } from '../../../src/sandbox/demo/data-check.ts';
import { startSandboxOperator, type SandboxOperator } from '../../../src/sandbox/operator.ts';
import { startSimulator, type Simulator } from '../../../src/sandbox/simulator/index.ts';
import { CBT_ANNOTATIONS } from '../../../src/sandbox/simulator/storage/index.ts';
import { SANDBOX_DRIVERS } from '../../../src/sandbox/thirdparty/storage-classes.ts';
import { startTestCluster, type TestCluster } from '../../support/cluster.ts';
import { applyPlan, deployShop, readPlan, waitForPhase, waitForWarning } from '../../support/shop.ts';

const SMS_PATH = '/apis/cbt.storage.k8s.io/v1beta1/snapshotmetadataservices';
const DRIVER = SANDBOX_DRIVERS.local;

describe('data sync from CSI changed blocks', () => {
  let cluster: TestCluster;
  let simulator: Simulator;
  let operator: SandboxOperator;
  let volumesDir: string;
  let rest: RestClient;

  const runPlan = async (ns: string, adapt?: () => Promise<void>): Promise<MaintenancePlan> => {
    await deployShop(cluster.kubeConfig, ns, { workload: 40 });
    // What the namespace's admin does (the operator writes no RBAC).
    await applyManifests(cluster.kubeConfig, [datasyncRoleBinding(ns)], { namespace: ns });
    await adapt?.();
    const name = await applyPlan(cluster.kubeConfig, ns, (s) => {
      delete s.window;
      return { ...s, verify: { timeoutSeconds: 60 }, rollback: { ...s.rollback, observeSeconds: 1 } };
    });
    await waitForPhase(
      cluster.kubeConfig,
      ns,
      name,
      (p) => ['Succeeded', 'Failed', 'RolledBack'].includes(p ?? ''),
      180_000,
    );
    const plan = await readPlan(cluster.kubeConfig, ns, name);
    assert.equal(plan.status?.phase, 'Succeeded', JSON.stringify(plan.status?.conditions));
    return plan;
  };
  const assertNoWriteLost = async (plan: MaintenancePlan) => {
    const ledger = await verifyCutOverData(volumesDir, plan);
    assert.ok(ledger.checked > 0, 'the workload wrote');
    assert.deepEqual(ledger.missing, []);
  };
  const annotateService = (annotations: Record<string, string | null>) =>
    rest.request(`${SMS_PATH}/${DRIVER}`, {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: { metadata: { annotations } },
    });

  before(async () => {
    cluster = await startTestCluster();
    rest = new RestClient(cluster.kubeConfig);
    volumesDir = await mkdtemp(path.join(tmpdir(), 'vapp-volumes-'));
    simulator = await startSimulator({ kubeConfig: cluster.kubeConfig, readyDelayMs: 0, volumesDir, stepDelayMs: 0 });
    operator = await startSandboxOperator(cluster, {
      controllers: { maintenance: { observeIntervalMs: 1_000 } },
    });
  });
  after(async () => {
    await operator.stop();
    await simulator.stop();
    await cluster.stop();
    await rm(volumesDir, { recursive: true, force: true });
  });

  it('copies every round, the final delta too, from CSI ranges: it reads what changed, not the volume', async () => {
    const plan = await runPlan('cbt');
    const rounds = plan.status?.syncRounds ?? [];
    assert.ok(rounds.length >= 2, 'pre-copy rounds plus the final round');
    for (const r of rounds) {
      assert.equal(r.rangesSource, 'CSI', `round ${String(r.round)}: ${r.rangesFallback ?? ''}`);
      assert.equal(r.rangesFallback, undefined);
    }
    // Ranges mode reads the listed ranges of the source (and of the target under zero blocks only):
    // far less than the 2 x 64 MiB a comparison of the database volume reads.
    const last = rounds.at(-1);
    assert.equal(last?.round, plan.status?.cutOver?.finalRound);
    assert.ok((last?.bytesRead ?? Infinity) <= 2 * (last?.bytesWritten ?? 0) + 64 * 1024, JSON.stringify(last));
    assert.ok((last?.bytesRead ?? Infinity) < 8 * 1024 * 1024, JSON.stringify(last));
    await assertNoWriteLost(plan);
    // The worker's ServiceAccount may only get VolumeSnapshots (what the service's SubjectAccessReview asks).
    const sa = await cluster.kubeConfig
      .makeApiClient(CoreV1Api)
      .readNamespacedServiceAccount({ namespace: 'cbt', name: 'vapp-datasync' });
    assert.equal(sa.automountServiceAccountToken, false);
  });

  it('compares, with the same result and a Warning Event, when the driver has no SnapshotMetadataService', async () => {
    const saved = await rest.request<{ spec: unknown }>(`${SMS_PATH}/${DRIVER}`);
    await rest.request(`${SMS_PATH}/${DRIVER}`, { method: 'DELETE' });
    try {
      const plan = await runPlan('cbt-off');
      for (const r of plan.status?.syncRounds ?? []) {
        assert.equal(r.rangesSource, 'Compare');
        assert.match(
          r.rangesFallback ?? '',
          new RegExp(`^NoService: the CSI driver ${DRIVER} has no SnapshotMetadataService`),
        );
      }
      const message = await waitForWarning(
        cluster.kubeConfig,
        'cbt-off',
        plan.metadata.name ?? '',
        'ChangedBlocksUnavailable',
      );
      assert.match(message, /compared the volumes: NoService/);
      await assertNoWriteLost(plan);
    } finally {
      await rest.request(SMS_PATH, {
        method: 'POST',
        body: {
          apiVersion: 'cbt.storage.k8s.io/v1beta1',
          kind: 'SnapshotMetadataService',
          metadata: { name: DRIVER },
          spec: saved.spec,
        },
      });
    }
  });

  it('resumes a stream cut every few tuples from the offset it reached, and stays on CSI ranges', async () => {
    const plan = await runPlan('cbt-cut', () =>
      rest.request('/api/v1/namespaces/cbt-cut/persistentvolumeclaims/shop-db-pgdata', {
        method: 'PATCH',
        contentType: 'application/merge-patch+json',
        body: { metadata: { annotations: { [CBT_ANNOTATIONS.abortAfter]: '5' } } },
      }),
    );
    const rounds = plan.status?.syncRounds ?? [];
    for (const r of rounds) assert.equal(r.rangesSource, 'CSI', `round ${String(r.round)}: ${r.rangesFallback ?? ''}`);
    // More than 5 blocks changed in some round, so its stream was cut and resumed.
    assert.ok(
      rounds.some((r) => r.bytesWritten !== undefined && r.bytesWritten > 5 * 4096),
      JSON.stringify(rounds),
    );
    await assertNoWriteLost(plan);
  });

  it('without the RoleBinding the service denies the worker (PermissionDenied): the rounds compare', async () => {
    await deployShop(cluster.kubeConfig, 'cbt-unbound', { workload: 40 });
    const name = await applyPlan(cluster.kubeConfig, 'cbt-unbound', (s) => {
      delete s.window;
      return { ...s, verify: { timeoutSeconds: 60 }, rollback: { ...s.rollback, observeSeconds: 1 } };
    });
    await waitForPhase(
      cluster.kubeConfig,
      'cbt-unbound',
      name,
      (p) => ['Succeeded', 'Failed'].includes(p ?? ''),
      180_000,
    );
    const plan = await readPlan(cluster.kubeConfig, 'cbt-unbound', name);
    assert.equal(plan.status?.phase, 'Succeeded');
    for (const r of plan.status?.syncRounds ?? []) {
      assert.equal(r.rangesSource, 'Compare');
      assert.match(
        r.rangesFallback ?? '',
        /^Refused: GetMetadataDelta: PERMISSION_DENIED: user does not have permissions/,
      );
    }
    await assertNoWriteLost(plan);
  });

  it('a token of another audience is refused by the service: the rounds compare and say so', async () => {
    await annotateService({ [CBT_ANNOTATIONS.audience]: 'another-audience' });
    try {
      const plan = await runPlan('cbt-audience');
      for (const r of plan.status?.syncRounds ?? []) {
        assert.equal(r.rangesSource, 'Compare');
        assert.match(r.rangesFallback ?? '', /^Refused: GetMetadataDelta: UNAUTHENTICATED: unauthenticated user/);
      }
      await waitForWarning(cluster.kubeConfig, 'cbt-audience', plan.metadata.name ?? '', 'ChangedBlocksUnavailable');
      await assertNoWriteLost(plan);
    } finally {
      await annotateService({ [CBT_ANNOTATIONS.audience]: null });
    }
  });
});
