// Operating the operator with the tools users run, on one sandbox through one maintenance (and the
// cheap plans that reach the other ends), a small fleet rollout and a BaseImage: Argo CD's own Lua
// runs the health checks and actions on every version of our objects the API server served, and
// the actions' patches drive the plans and the rollouts;
// cli-utils' kstatus and `kubectl wait` agree with the phases; the Git layout that config/argocd
// recommends is re-applied as Argo CD would (server-side apply, field manager argocd-controller,
// every second) throughout and never fights the operator, while the VMs-in-Git layout would; a real
// Prometheus scrapes the operator all along, and every dashboard panel (the Rollouts row included)
// and the alerts see the run.
//
// VAPP_RECORD_FIXTURES=1 also writes the captured objects, one per shape (phase, suspended, cleanup
// under way...), to test/fixtures/argocd/<group>/<Kind>/ for the unit tests of the Lua scripts.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { CoreV1Api } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type {
  BaseImage,
  MaintenancePlan,
  MaintenancePlanInput,
  MaintenanceRollout,
  MaintenanceRolloutInput,
  Phase,
  VirtualAppliance,
} from '../../../src/api/v1alpha1/index.ts';
import { PHASES } from '../../../src/api/v1alpha1/index.ts';
import { APPLIANCES, SERVICES } from '../../../src/controllers/appliance/resources.ts';
import { PLANS } from '../../../src/controllers/maintenance/resources.ts';
import { BASE_IMAGES, ROLLOUTS } from '../../../src/controllers/shared/kinds.ts';
import { fillVariables, panelQueries } from '../../../src/integrations/grafana.ts';
import { ruleFile } from '../../../src/integrations/prometheus.ts';
import { KUBEVIRT, type VirtualMachine } from '../../../src/kubevirt/types.ts';
import { apply } from '../../../src/runtime/apply.ts';
import { errorMessage, isConflict } from '../../../src/runtime/errors.ts';
import type { KubeObject } from '../../../src/runtime/object.ts';
import { RestClient } from '../../../src/runtime/rest.ts';
import { applyManifests } from '../../../src/sandbox/manifests.ts';
import { startSandboxOperator, type SandboxOperator } from '../../../src/sandbox/operator.ts';
import { samplePlan, sandboxShop } from '../../../src/sandbox/samples.ts';
import { startSimulator, type Simulator } from '../../../src/sandbox/simulator/index.ts';
import { STORAGE_ANNOTATIONS } from '../../../src/sandbox/simulator/storage/index.ts';
import { argoView, enabledActions, type ArgoView } from '../../support/argocd.ts';
import { startTestCluster, type TestCluster } from '../../support/cluster.ts';
import { renamedShop } from '../../support/fleet.ts';
import { GOLDEN, deployGoldenImage, mergePatch } from '../../support/golden.ts';
import { kstatus } from '../../support/kstatus.ts';
import { startPrometheus, type Prometheus } from '../../support/prometheus.ts';
import { waitForPhase } from '../../support/shop.ts';
import { RECORD_FIXTURES, Versions, recordFixtures } from '../../support/versions.ts';
import { waitFor } from '../../support/wait.ts';

const run = promisify(execFile);
const NS = 'ops';
const FIELD_MANAGER_ARGOCD = 'argocd-controller';
const SELECTOR_SLOT = 'vapp.dev/slot';

type Plan = MaintenancePlan & KubeObject;
type Rollout = MaintenanceRollout & KubeObject;
type Image = BaseImage & KubeObject;

const condition = (o: { status?: { conditions?: { type: string; reason?: string; status: string }[] } }, t: string) =>
  o.status?.conditions?.find((c) => c.type === t);
const observed = (o: KubeObject & { status?: { observedGeneration?: number } }) =>
  (o.status?.observedGeneration ?? -1) >= (o.metadata?.generation ?? 0);
const cleaningUp = (p: Plan) =>
  (p.status as { cleanup?: unknown } | undefined)?.cleanup !== undefined ||
  (p.status?.steps ?? []).some((s) => s.name === 'Cleanup' && s.state === 'Running');

/** The fixture name of a plan version: what decides its Argo CD health and actions. */
function planShape(p: Plan): string {
  const phase = p.status?.phase;
  if (phase === undefined) return 'no-status';
  const parts: string[] = [phase];
  if (cleaningUp(p)) parts.push('cleanup');
  if (condition(p, 'Ready')?.reason === 'Suspended') parts.push('suspended');
  else if (p.spec.suspend) parts.push('suspend-requested');
  if (!observed(p)) parts.push('unobserved');
  return parts.join('-');
}

function applianceShape(a: VirtualAppliance & KubeObject): string {
  if (a.status === undefined || a.status.conditions.length === 0) return 'no-status';
  const parts: string[] = [];
  if (condition(a, 'Stalled')?.status === 'True') parts.push('stalled');
  else parts.push(condition(a, 'Ready')?.status === 'True' ? 'ready' : 'not-ready');
  if (a.status.activeSlot !== undefined) parts.push(a.status.activeSlot);
  if ((a.status.activePlan ?? '') !== '') parts.push('locked');
  if (!observed(a)) parts.push('unobserved');
  return parts.join('-');
}

function vmShape(vm: VirtualMachine & KubeObject): string | undefined {
  const printable = vm.status?.printableStatus;
  if (vm.spec.runStrategy === 'Halted' && printable === 'Stopped') return 'halted';
  if (vm.status?.ready === true) return 'running';
  if (vm.spec.runStrategy === 'Always' && printable === 'Starting') return 'starting';
  return undefined;
}

/** The fixture name of a rollout version: its phase (or why it has none), and what its actions depend on. */
function rolloutShape(r: Rollout): string {
  if (r.status === undefined || r.status.conditions.length === 0) return 'no-status';
  const parts: string[] = [];
  if (condition(r, 'Stalled')?.status === 'True') parts.push('Stalled');
  else parts.push(r.status.phase ?? condition(r, 'Ready')?.reason ?? 'Unknown');
  if (r.spec.target.baseImage !== undefined && r.spec.target.baseImage.version === undefined) parts.push('latest');
  if (r.status.phase !== 'Paused' && r.status.failures.count > r.spec.acknowledgedFailures)
    parts.push('unacknowledged');
  if (r.spec.suspend && r.status.phase !== 'Suspended') parts.push('suspend-requested');
  if (r.spec.abort && r.status.phase !== 'Aborted') parts.push('abort-requested');
  if (!observed(r)) parts.push('unobserved');
  return parts.join('-');
}

function imageShape(b: Image): string {
  if (b.status === undefined || b.status.conditions.length === 0) return 'no-status';
  const parts: string[] = [];
  if (condition(b, 'Stalled')?.status === 'True') parts.push('stalled');
  else if (condition(b, 'Ready')?.status === 'True') parts.push('ready');
  else parts.push('not-ready', condition(b, 'Ready')?.reason ?? 'Unknown');
  if (!observed(b)) parts.push('unobserved');
  return parts.join('-');
}

/** What config/argocd/README.md documents for each rollout version. */
function documentedRolloutHealth(r: Rollout): string {
  if (r.status === undefined || r.status.conditions.length === 0 || !observed(r)) return 'Progressing';
  if (condition(r, 'Stalled')?.status === 'True') return 'Degraded';
  const phase = r.status.phase;
  if (phase === 'Completed') return 'Healthy';
  if (phase === 'Paused' || phase === 'Suspended' || phase === 'AwaitingApproval' || phase === 'Aborted')
    return 'Suspended';
  return 'Progressing';
}

/** What config/argocd/README.md documents for each plan version. */
function documentedHealth(p: Plan): string {
  const phase = p.status?.phase;
  if (phase === undefined || !observed(p)) return 'Progressing';
  if (phase === 'Succeeded') return 'Healthy';
  if (phase === 'Failed' || phase === 'RolledBack') return 'Degraded';
  if (phase === 'Aborted') return 'Suspended';
  if (condition(p, 'Stalled')?.status === 'True') return 'Degraded';
  const reason = condition(p, 'Ready')?.reason;
  if (reason === 'Suspended') return 'Suspended';
  if (
    (phase === 'AwaitingApproval' || phase === 'WaitingForWindow' || phase === 'WaitingForCutOverSlot') &&
    reason === phase
  )
    return 'Suspended';
  return 'Progressing';
}

const RUNNING: readonly Phase[] = [
  'Planning',
  'Snapshotting',
  'Cloning',
  'Updating',
  'Verifying',
  'Syncing',
  'CuttingOver',
  'Observing',
  'RollingBack',
];

describe('Operate it: Argo CD, kstatus, GitOps and Prometheus through a maintenance', () => {
  let cluster: TestCluster;
  let simulator: Simulator;
  let operator: SandboxOperator;
  let prometheus: Prometheus;
  let volumesDir: string;
  let client: RestClient;
  let plans: Versions<Plan>;
  let appliances: Versions<VirtualAppliance & KubeObject>;
  let services: Versions<KubeObject & { spec?: { selector?: Record<string, string> } }>;
  let vms: Versions<VirtualMachine & KubeObject>;
  let rollouts: Versions<Rollout>;
  let images: Versions<Image>;
  const started = new Date();
  const kubectl = (...args: string[]) =>
    run('kubectl', ['--kubeconfig', cluster.kubeconfigPath, '-n', NS, ...args], { timeout: 120_000 });

  // The Git repository of the recommended layout: the appliance, its Services and the plans (the
  // VMs and their volumes were created once, outside it, and the appliance adopted them).
  const git: KubeObject[] = [];
  /** Argo CD's sync of one object: server-side apply as argocd-controller, never forcing a conflict. */
  const argoApply = (obj: KubeObject, opts: { dryRun?: boolean } = {}) =>
    apply(client, obj, { fieldManager: FIELD_MANAGER_ARGOCD, force: false, ...opts });
  /**
   * The target Argo CD applies for a Git object. With the README's ignoreDifferences on the Service's
   * slot key and RespectIgnoreDifferences=true, Argo CD applies the live value of that key.
   */
  const target = (obj: KubeObject): KubeObject => {
    const t = structuredClone(obj) as KubeObject & { spec?: { selector?: Record<string, string> } };
    if (t.kind === 'Service') {
      const live = services.live(t.metadata?.name ?? '')?.spec?.selector?.[SELECTOR_SLOT];
      if (live !== undefined && t.spec?.selector) t.spec.selector[SELECTOR_SLOT] = live;
    }
    return t;
  };
  const all = () => [plans, appliances, services, vms, rollouts, images];
  const selfHeal = { rounds: 0, applies: 0, conflicts: [] as string[], errors: [] as string[], stop: false };
  let selfHealing: Promise<void> | undefined;
  /** The plan of the fleet rollout that failed (its alert fires). */
  let fleetFailedPlan = '';

  const gitPlan = async (
    name: string,
    spec: (s: MaintenancePlanInput['spec']) => MaintenancePlanInput['spec'],
  ): Promise<Plan> => {
    const sample = (await samplePlan()) as unknown as MaintenancePlanInput;
    const s = structuredClone(sample.spec);
    delete s.window;
    const plan = {
      ...sample,
      metadata: { name, namespace: NS },
      spec: spec({ ...s, verify: { timeoutSeconds: 60 }, rollback: { ...s.rollback, observeSeconds: 3 } }),
    } as unknown as Plan;
    git.push(plan);
    await argoApply(plan);
    return plan;
  };
  /** What Argo CD shows for the live object, once the operator has observed its latest spec. */
  const liveViewOf = async <T extends KubeObject & { status?: { observedGeneration?: number } }>(
    versions: Versions<T>,
    name: string,
    ok: (o: T) => boolean,
  ) => {
    const obj = await waitFor(
      () => {
        const o = versions.live(name);
        return o !== undefined && observed(o) && ok(o) && structuredClone(o);
      },
      { what: `${versions.informer.resource.kind} ${name} observed`, timeoutMs: 180_000, intervalMs: 100 },
    );
    const [view] = await argoView([obj]);
    assert.ok(view);
    return { obj, view };
  };
  const liveView = async (name: string, ok: (p: Plan) => boolean = () => true) => {
    const { obj, view } = await liveViewOf(plans, name, ok);
    return { plan: obj, view };
  };
  const liveRollout = async (name: string, ok: (r: Rollout) => boolean) => {
    const { obj, view } = await liveViewOf(rollouts, name, ok);
    return { rollout: obj, view };
  };
  /** Runs an action as the Argo CD API server does: its merge patch, sent to the API server. */
  const runAction = async (obj: Plan | Rollout, view: ArgoView, action: string) => {
    assert.ok(enabledActions(view).includes(action), `${action} is offered (${enabledActions(view).join()})`);
    const result = view.results[action];
    assert.ok(result && result.error === undefined, result?.error);
    assert.equal(result.statusPatch, null, 'actions leave status to the operator');
    assert.ok(result.patch !== null, `${action} changes the object`);
    const plural = obj.kind === 'MaintenanceRollout' ? ROLLOUTS.plural : PLANS.plural;
    await client.request(`/apis/vapp.dev/v1alpha1/namespaces/${NS}/${plural}/${obj.metadata.name ?? ''}`, {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: result.patch,
    });
    return result.patch;
  };

  before(async () => {
    cluster = await startTestCluster();
    client = new RestClient(cluster.kubeConfig);
    volumesDir = await mkdtemp(path.join(tmpdir(), 'vapp-volumes-'));
    simulator = await startSimulator({ kubeConfig: cluster.kubeConfig, readyDelayMs: 0, volumesDir, stepDelayMs: 0 });
    operator = await startSandboxOperator(cluster, { controllers: { maintenance: { observeIntervalMs: 1_000 } } });
    prometheus = await startPrometheus({
      jobs: { 'vapp-operator-metrics': [new URL(operator.metricsUrl).host] },
      rules: [ruleFile()],
    });
    plans = new Versions(client, PLANS, [NS]);
    appliances = new Versions(client, APPLIANCES, [NS]);
    services = new Versions(client, SERVICES, [NS]);
    vms = new Versions(client, KUBEVIRT.virtualMachines, [NS]);
    rollouts = new Versions(client, ROLLOUTS, [NS]);
    images = new Versions(client, BASE_IMAGES, [GOLDEN]);
    for (const v of all()) v.informer.start();
    await cluster.kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NS } } });
    await Promise.all(all().map((v) => v.informer.waitForSync()));

    // A BaseImage whose DataSource never comes: Stalled after the grace a new DataImportCron gets.
    await applyManifests(cluster.kubeConfig, [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: GOLDEN } },
      {
        apiVersion: 'vapp.dev/v1alpha1',
        kind: 'BaseImage',
        metadata: { name: 'missing', namespace: GOLDEN },
        spec: { source: { dataSource: { name: 'no-such-source' } } },
      } as KubeObject,
    ]);

    // Created once, outside Git: the VMs and their volumes (the appliance adopts the VMs).
    const shop = await sandboxShop({ storage: '64Mi', workload: 20 });
    await applyManifests(
      cluster.kubeConfig,
      shop.filter((o) => o.kind === 'VirtualMachine' || o.kind === 'PersistentVolumeClaim'),
      { namespace: NS },
    );
    for (const obj of shop.filter((o) => o.kind === 'Service' || o.kind === 'VirtualAppliance')) {
      const inNs = { ...obj, metadata: { ...obj.metadata, namespace: NS } };
      git.push(inNs);
      await argoApply(inNs);
    }
    await waitFor(() => condition(appliances.live('shop') ?? {}, 'Ready')?.status === 'True', {
      what: 'appliance shop Ready',
    });

    // Self-heal: Argo CD re-applies the Git objects every second, whatever it thinks of their diff.
    selfHealing = (async () => {
      while (!selfHeal.stop) {
        for (const obj of [...git]) {
          try {
            await argoApply(target(obj));
            selfHeal.applies++;
          } catch (err) {
            const what = `${obj.kind ?? ''}/${obj.metadata?.name ?? ''}: ${errorMessage(err)}`;
            (isConflict(err) ? selfHeal.conflicts : selfHeal.errors).push(what);
          }
        }
        selfHeal.rounds++;
        await new Promise((r) => setTimeout(r, 1_000)); // the cadence of the loop, not a wait for a condition
      }
    })();
  });

  after(async () => {
    selfHeal.stop = true;
    await selfHealing;
    if (RECORD_FIXTURES && plans !== undefined)
      await recordFixtures([
        { group: 'vapp.dev', kind: 'MaintenancePlan', versions: plans.all, shape: planShape },
        { group: 'vapp.dev', kind: 'VirtualAppliance', versions: appliances.all, shape: applianceShape },
        { group: 'vapp.dev', kind: 'MaintenanceRollout', versions: rollouts.all, shape: rolloutShape },
        { group: 'vapp.dev', kind: 'BaseImage', versions: images.all, shape: imageShape },
        { group: 'kubevirt.io', kind: 'VirtualMachine', versions: vms.all, shape: vmShape },
      ]);
    for (const v of all()) await v?.informer.stop();
    await prometheus?.stop();
    await operator?.stop();
    await simulator?.stop();
    await cluster?.stop();
    if (volumesDir) await rm(volumesDir, { recursive: true, force: true });
  });

  it('a manual plan, approved, suspended and resumed through its Argo CD actions, succeeds; kstatus and kubectl wait agree', async () => {
    await gitPlan('shop-a', (s) => ({
      ...s,
      approval: 'Manual',
      rollback: { ...s.rollback, retainOriginalFor: '1h' },
    }));

    const waiting = await liveView('shop-a', (p) => p.status?.phase === 'AwaitingApproval');
    assert.equal(waiting.view.health?.status, 'Suspended');
    assert.deepEqual(enabledActions(waiting.view), ['abort', 'approve', 'suspend']);
    const [waitingStatus] = await kstatus([waiting.plan]);
    assert.equal(waitingStatus?.status, 'InProgress', 'kstatus: a plan awaiting approval is not done (Ready is False)');
    const approved = await runAction(waiting.plan, waiting.view, 'approve');
    assert.deepEqual(approved, { spec: { approvedHash: waiting.plan.status?.preview?.hash } });

    const working = await liveView('shop-a', (p) =>
      ['Snapshotting', 'Cloning', 'Updating'].includes(p.status?.phase ?? ''),
    );
    assert.equal(working.view.health?.status, 'Progressing');
    assert.deepEqual(enabledActions(working.view), ['abort', 'suspend']);
    await runAction(working.plan, working.view, 'suspend');
    const paused = await liveView('shop-a', (p) => condition(p, 'Ready')?.reason === 'Suspended');
    assert.equal(paused.view.health?.status, 'Suspended');
    assert.match(paused.view.health?.message ?? '', /suspended \(spec\.suspend\)/);
    assert.deepEqual(enabledActions(paused.view), ['abort', 'resume']);
    const [pausedStatus] = await kstatus([paused.plan]);
    assert.equal(pausedStatus?.status, 'InProgress', 'kstatus: a suspended plan is not done (Ready is False)');
    await runAction(paused.plan, paused.view, 'resume');

    const observing = await liveView('shop-a', (p) => p.status?.phase === 'Observing');
    assert.deepEqual(enabledActions(observing.view), ['rollback']);
    assert.equal(observing.view.health?.status, 'Progressing');

    // What a user runs: kubectl wait returns once the plan is Ready.
    await kubectl('wait', '--for=condition=Ready', 'mplan/shop-a', '--timeout=120s');
    const done = await liveView('shop-a', (p) => p.status?.phase === 'Succeeded');
    assert.equal(done.view.health?.status, 'Healthy');
    assert.deepEqual(enabledActions(done.view), ['rollback'], 'the original is retained for an hour');
    assert.equal(appliances.live('shop')?.status?.activeSlot, 'green');

    // kstatus (cli-utils, as Flux and kpt wait) on every version the operator wrote while it worked.
    const versions = plans.of('shop-a').filter((p) => observed(p));
    const statuses = await kstatus(versions);
    const seen = new Set<string>();
    versions.forEach((p, i) => {
      const phase = p.status?.phase ?? 'Pending';
      const got = statuses[i]?.status;
      seen.add(phase);
      if (RUNNING.includes(phase))
        assert.equal(got, 'InProgress', `kstatus in ${phase}: ${statuses[i]?.message ?? ''}`);
      if (phase === 'Succeeded') assert.equal(got, 'Current', `kstatus at Succeeded`);
    });
    for (const phase of [
      'Planning',
      'AwaitingApproval',
      'Snapshotting',
      'Cloning',
      'Verifying',
      'CuttingOver',
      'Observing',
    ])
      assert.ok(seen.has(phase), `a version in ${phase} was captured (${[...seen].join()})`);
  });

  it('what Argo CD shows for the VMs the appliance owns, and what goes wrong with the VMs in Git', async () => {
    // The recommended layout: the VMs are no Git objects; they show in the appliance's resource tree
    // (ownerReferences), with Argo CD's built-in VirtualMachine health.
    const members = ['db', 'app', 'web'];
    const live = (name: string) => {
      const vm = vms.live(name);
      assert.ok(vm, name);
      return vm;
    };
    const clones = members.map((m) => live(`shop-a-${m}`));
    const originals = members.map((m) => live(`shop-${m}`));
    for (const vm of [...clones, ...originals])
      assert.ok(
        vm.metadata?.ownerReferences?.some((o) => o.kind === 'VirtualAppliance' && o.name === 'shop'),
        `${vm.metadata?.name ?? ''} is owned by the appliance`,
      );
    const views = await argoView([...clones, ...originals]);
    assert.deepEqual(
      views.map((v) => v.health?.status),
      ['Healthy', 'Healthy', 'Healthy', 'Suspended', 'Suspended', 'Suspended'],
      'the serving clones are Healthy; the retained originals Suspended (Stopped)',
    );

    // The layout the README warns against: the VMs in Git. After the cut-over, Argo CD's apply of
    // the Git VMs (dry-run here: the API server decides exactly as it would) either fails on the
    // field the operator changed...
    const gitVms = (await sandboxShop({ storage: '64Mi', workload: 20 }))
      .filter((o) => o.kind === 'VirtualMachine')
      .map((o) => ({ ...o, metadata: { ...o.metadata, namespace: NS } }));
    for (const vm of gitVms) {
      await assert.rejects(
        argoApply(vm, { dryRun: true }),
        (err: unknown) => {
          assert.ok(isConflict(err), errorMessage(err));
          assert.match(errorMessage(err), /runStrategy/);
          return true;
        },
        `${vm.metadata.name ?? ''}: a server-side sync conflicts with the operator on spec.runStrategy`,
      );
    }
    // ...or, synced the way Argo CD syncs by default (a client-side kubectl apply), restarts the
    // retained original beside the clone that serves: two copies of the database writing.
    const dir = await mkdtemp(path.join(tmpdir(), 'vapp-git-vms-'));
    try {
      const file = path.join(dir, 'vms.yaml');
      await writeFile(file, gitVms.map((o) => stringify(o)).join('---\n'));
      const { stdout } = await kubectl('apply', '--dry-run=server', '-o', 'json', '-f', file);
      const result = JSON.parse(stdout) as { items: VirtualMachine[] };
      assert.deepEqual(
        result.items.map((vm) => [vm.metadata?.name, vm.spec.runStrategy]),
        originals.map((vm) => [vm.metadata?.name, 'Always']),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    // Without the README's ignoreDifferences, every sync of a Service fails: its selector is atomic
    // and the operator owns it with the slot key.
    const gitService = git.find((o) => o.kind === 'Service');
    assert.ok(gitService);
    await assert.rejects(argoApply(gitService, { dryRun: true }), (err: unknown) => isConflict(err));
  });

  it('the rollback action brings the original back: RolledBack is Degraded, kstatus Failed', async () => {
    const succeeded = await liveView('shop-a', (p) => p.status?.phase === 'Succeeded');
    await runAction(succeeded.plan, succeeded.view, 'rollback');
    const back = await liveView('shop-a', (p) => p.status?.phase === 'RolledBack');
    assert.equal(back.view.health?.status, 'Degraded');
    assert.deepEqual(enabledActions(back.view), []);
    const [ks] = await kstatus([back.plan]);
    assert.equal(ks?.status, 'Failed');
    assert.ok(
      plans.of('shop-a').some((p) => p.status?.phase === 'RollingBack'),
      'RollingBack was captured',
    );
    await waitFor(
      () => appliances.live('shop')?.status?.activeSlot === 'blue' && !appliances.live('shop')?.status?.activePlan,
      {
        what: 'the original serves again and the appliance is free',
        timeoutMs: 60_000,
      },
    );
  });

  it('a plan waiting for its window is Suspended; the abort action removes the clone: Aborted', async () => {
    const hour = (new Date().getUTCHours() + 2) % 24;
    const hh = (h: number) => `${String(h).padStart(2, '0')}:00`;
    await gitPlan('shop-b', (s) => ({
      ...s,
      window: {
        days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
        startTime: hh(hour),
        endTime: hh((hour + 1) % 24),
        timeZone: 'UTC',
      },
    }));
    const waiting = await liveView('shop-b', (p) => p.status?.phase === 'WaitingForWindow');
    assert.equal(waiting.view.health?.status, 'Suspended');
    assert.deepEqual(enabledActions(waiting.view), ['abort', 'suspend']);
    await runAction(waiting.plan, waiting.view, 'abort');
    const aborted = await liveView('shop-b', (p) => p.status?.phase === 'Aborted');
    assert.equal(aborted.view.health?.status, 'Suspended');
    assert.deepEqual(enabledActions(aborted.view), []);
    assert.ok(
      plans.of('shop-b').some((p) => p.status?.phase === 'WaitingForWindow' && cleaningUp(p)),
      'the cleanup was captured',
    );
  });

  it('a failed plan is Degraded, kstatus Failed, and kubectl wait for Ready times out while Stalled returns', async () => {
    await client.request(`/apis/kubevirt.io/v1/namespaces/${NS}/virtualmachines/shop-db`, {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: { metadata: { annotations: { [STORAGE_ANNOTATIONS.snapshotFailure]: 'disk is on fire' } } },
    });
    await gitPlan('shop-c', (s) => s);
    await waitForPhase(cluster.kubeConfig, NS, 'shop-c', (p) => p === 'Failed');
    const failed = await liveView('shop-c', (p) => p.status?.phase === 'Failed');
    assert.equal(failed.view.health?.status, 'Degraded');
    assert.match(failed.view.health?.message ?? '', /disk is on fire/);
    assert.deepEqual(enabledActions(failed.view), []);
    const [ks] = await kstatus([failed.plan]);
    assert.equal(ks?.status, 'Failed');
    await kubectl('wait', '--for=condition=Stalled', 'mplan/shop-c', '--timeout=10s');
    await assert.rejects(kubectl('wait', '--for=condition=Ready', 'mplan/shop-c', '--timeout=2s'), /timed out/);
  });

  it('an appliance naming a VM that does not exist is Degraded in Argo CD and Failed for kstatus', async () => {
    const shop = (await sandboxShop({ storage: '64Mi' })).find((o) => o.kind === 'VirtualAppliance') as
      (VirtualAppliance & KubeObject) | undefined;
    assert.ok(shop);
    const broken = {
      ...shop,
      metadata: { name: 'broken', namespace: NS },
      spec: { members: [{ ...shop.spec.members[0], name: 'db', vm: 'no-such-vm' }], services: [] },
    };
    await argoApply(broken);
    const stalled = await waitFor(
      () => {
        const a = appliances.live('broken');
        return a !== undefined && observed(a) && condition(a, 'Stalled')?.status === 'True' && structuredClone(a);
      },
      { what: 'appliance broken Stalled' },
    );
    const [view] = await argoView([stalled]);
    assert.equal(view?.health?.status, 'Degraded');
    assert.match(view?.health?.message ?? '', /no-such-vm/);
    const [ks, ready] = await kstatus([stalled, appliances.live('shop')]);
    assert.equal(ks?.status, 'Failed');
    assert.equal(ready?.status, 'Current', 'a Ready appliance is Current');
  });

  it('a fleet rollout through its Argo CD actions: suspended, resumed, its canary wave approved, paused by a failure, acknowledged, Completed', async () => {
    const sample = await sandboxShop({ storage: '64Mi' });
    const fleet = { 'fleet-a': { fleet: 'yes', 'vapp.dev/canary': 'true' }, 'fleet-b': { fleet: 'yes' } };
    for (const [name, labels] of Object.entries(fleet))
      await applyManifests(cluster.kubeConfig, renamedShop(sample, name, labels), { namespace: NS });
    await waitFor(
      () => Object.keys(fleet).every((n) => condition(appliances.live(n) ?? {}, 'Ready')?.status === 'True'),
      { what: 'fleet-a and fleet-b Ready', timeoutMs: 180_000 },
    );
    // fleet-b's update fails: with maxFailures 0 the rollout pauses on it.
    await client.request(`/apis/kubevirt.io/v1/namespaces/${NS}/virtualmachines/fleet-b-app`, {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: { metadata: { annotations: { [STORAGE_ANNOTATIONS.updateFailure]: 'true' } } },
    });
    const rollout: MaintenanceRolloutInput = {
      apiVersion: 'vapp.dev/v1alpha1',
      kind: 'MaintenanceRollout',
      metadata: { name: 'fleet', namespace: NS },
      spec: {
        target: { components: [{ name: 'app/shop', level: '2.4.0' }] },
        selector: { matchLabels: { fleet: 'yes' } },
        waves: [
          {
            name: 'canary',
            selector: { matchLabels: { 'vapp.dev/canary': 'true' } },
            limit: 1,
            soak: '3s',
            approval: 'Manual',
          },
        ],
        maxInFlight: 1,
        failurePolicy: { maxFailures: 0 },
        suspend: true,
        plan: { verify: { timeoutSeconds: 60 }, rollback: { automatic: true, observeSeconds: 1 } },
      },
    };
    await apply(client, rollout as unknown as KubeObject, { fieldManager: 'kubectl' });

    const suspended = await liveRollout('fleet', (r) => r.status?.phase === 'Suspended');
    assert.equal(suspended.view.health?.status, 'Suspended');
    assert.deepEqual(enabledActions(suspended.view), ['abort', 'resume']);
    assert.deepEqual(await runAction(suspended.rollout, suspended.view, 'resume'), { spec: { suspend: false } });

    const awaiting = await liveRollout('fleet', (r) => r.status?.phase === 'AwaitingApproval');
    assert.equal(awaiting.view.health?.status, 'Suspended');
    assert.match(awaiting.view.health?.message ?? '', /canary/);
    assert.deepEqual(enabledActions(awaiting.view), ['abort', 'suspend']);
    // The wave's approval is the rollout owner's, in Git or with kubectl: no Argo CD action.
    await client.request(`/apis/vapp.dev/v1alpha1/namespaces/${NS}/maintenancerollouts/fleet`, {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: { spec: { approvedWaves: ['canary'] } },
    });

    const going = await liveRollout('fleet', (r) => r.status?.phase === 'Progressing');
    assert.equal(going.view.health?.status, 'Progressing');
    assert.deepEqual(enabledActions(going.view), ['abort', 'suspend']);

    const paused = await liveRollout('fleet', (r) => r.status?.phase === 'Paused');
    assert.equal(paused.view.health?.status, 'Suspended');
    assert.match(paused.view.health?.message ?? '', /fleet-b/);
    assert.deepEqual(enabledActions(paused.view), ['abort', 'acknowledge-failures', 'suspend']);
    assert.deepEqual(await runAction(paused.rollout, paused.view, 'acknowledge-failures'), {
      spec: { acknowledgedFailures: 1 },
    });

    const done = await liveRollout('fleet', (r) => r.status?.phase === 'Completed');
    assert.equal(done.view.health?.status, 'Healthy');
    assert.deepEqual(enabledActions(done.view), [], 'a Completed rollout with a pinned target has nothing left to do');
    assert.equal(done.rollout.status?.progress, '1/2 up to date, 0 in flight, 1 failed');
    assert.ok(
      rollouts.of('fleet').some((r) => r.status?.phase === 'Soaking'),
      'the canary wave soaked before the next one',
    );
    const ended = Object.fromEntries(
      plans.informer.store
        .list()
        .filter((p) => p.metadata?.labels?.['vapp.dev/rollout'] === 'fleet')
        .map((p) => [p.spec.appliance, [p.metadata?.name, p.status?.phase]]),
    );
    assert.equal(ended['fleet-a']?.[1], 'Succeeded');
    assert.equal(ended['fleet-b']?.[1], 'Failed');
    fleetFailedPlan = String(ended['fleet-b']?.[0]);
  });

  it('rollouts that cannot start yet or at all, a BaseImage from its first status to Ready, and a missing one: Argo CD on each', async () => {
    // A rollout following a BaseImage that does not exist yet: no phase, Progressing.
    const nothing = { matchLabels: { fleet: 'none' } };
    const latest = {
      apiVersion: 'vapp.dev/v1alpha1',
      kind: 'MaintenanceRollout',
      metadata: { name: 'fleet-latest', namespace: NS },
      spec: { target: { baseImage: { ref: { name: 'fedora', namespace: GOLDEN } } }, selector: nothing },
    };
    await apply(client, latest as unknown as KubeObject, { fieldManager: 'kubectl' });
    const notFound = await liveRollout('fleet-latest', (r) => condition(r, 'Ready')?.reason === 'BaseImageNotFound');
    assert.equal(notFound.view.health?.status, 'Progressing');
    assert.match(notFound.view.health?.message ?? '', /BaseImage golden-images\/fedora not found/);

    // The BaseImage appears, settles and is Ready: the rollout resolves its latest and completes
    // (it selects nothing), and stays open to the next latest: suspend and abort are offered.
    await deployGoldenImage(cluster.kubeConfig, (spec) => ({ ...spec, settleSeconds: 2 }));
    const ready = await liveViewOf(images, 'fedora', (b) => condition(b, 'Ready')?.status === 'True');
    assert.equal(ready.view.health?.status, 'Healthy');
    assert.deepEqual(enabledActions(ready.view), []);
    await mergePatch(cluster.kubeConfig, BASE_IMAGES, GOLDEN, 'fedora', { spec: { settleSeconds: 0 } });
    await liveViewOf(images, 'fedora', (b) => b.status?.observedGeneration === 2);
    const followed = await liveRollout('fleet-latest', (r) => r.status?.phase === 'Completed');
    assert.equal(followed.view.health?.status, 'Healthy');
    assert.deepEqual(enabledActions(followed.view), ['abort', 'suspend']);
    await runAction(followed.rollout, followed.view, 'suspend');
    const held = await liveRollout('fleet-latest', (r) => r.status?.phase === 'Suspended');
    assert.equal(held.view.health?.status, 'Suspended');
    assert.deepEqual(enabledActions(held.view), ['abort', 'resume']);
    await runAction(held.rollout, held.view, 'abort');
    const aborted = await liveRollout('fleet-latest', (r) => r.status?.phase === 'Aborted');
    assert.equal(aborted.view.health?.status, 'Suspended');
    assert.deepEqual(enabledActions(aborted.view), [], 'an aborted rollout cannot be undone');

    // A name too long for the label of its plans: Stalled, Degraded.
    const long = 'a-rollout-whose-name-is-too-long-to-be-the-vapp-dev-rollout-label';
    await apply(
      client,
      { ...latest, metadata: { name: long, namespace: NS } },
      {
        fieldManager: 'kubectl',
      },
    );
    const stalled = await liveRollout(long, (r) => condition(r, 'Stalled')?.status === 'True');
    assert.equal(stalled.view.health?.status, 'Degraded');
    assert.match(stalled.view.health?.message ?? '', /at most 63 characters/);

    // A BaseImage naming a DataSource that does not exist: Stalled once the grace for a new
    // DataImportCron is over, Degraded.
    const missing = await liveViewOf(images, 'missing', (b) => condition(b, 'Stalled')?.status === 'True');
    assert.equal(missing.view.health?.status, 'Degraded');
    assert.match(missing.view.health?.message ?? '', /DataSource golden-images\/no-such-source not found/);
  });

  it('Argo CD shows every version of every rollout and BaseImage as config/argocd/README.md documents', async () => {
    const views = await argoView(rollouts.all);
    const wrong = rollouts.all
      .map((r, i) => [rolloutShape(r), documentedRolloutHealth(r), views[i]?.health?.status, views[i]?.error] as const)
      .filter(([, want, got, error]) => want !== got || error !== undefined);
    assert.deepEqual(wrong, [], 'shape, documented, Argo CD, error');
    const shapes = new Set(rollouts.all.map(rolloutShape));
    for (const s of ['no-status', 'Suspended', 'AwaitingApproval', 'Progressing', 'Soaking', 'Paused', 'Completed'])
      assert.ok(shapes.has(s), `a rollout version ${s} was captured (${[...shapes].join()})`);
    const imageViews = await argoView(images.all);
    const wrongImages = images.all
      .map((b, i) => {
        const want = !observed(b)
          ? 'Progressing'
          : condition(b, 'Stalled')?.status === 'True'
            ? 'Degraded'
            : condition(b, 'Ready')?.status === 'True'
              ? 'Healthy'
              : 'Progressing';
        return [imageShape(b), want, imageViews[i]?.health?.status] as const;
      })
      .filter(([, want, got]) => want !== got);
    assert.deepEqual(wrongImages, [], 'shape, documented, Argo CD');
  });

  it('Argo CD shows every version of every plan as config/argocd/README.md documents', async () => {
    const versions = plans.all;
    const views = await argoView(versions);
    const wrong = versions
      .map((p, i) => [planShape(p), documentedHealth(p), views[i]?.health?.status, views[i]?.error] as const)
      .filter(([, want, got, error]) => want !== got || error !== undefined);
    assert.deepEqual(wrong, [], 'shape, documented, Argo CD, error');
    const phases = new Set(versions.map((p) => p.status?.phase ?? 'Pending'));
    // Every phase, WaitingForCutOverSlot included: the fleet rollout's plans reach it.
    assert.deepEqual(
      PHASES.filter((p) => !phases.has(p)),
      [],
      `every phase was captured: ${[...phases].join()}`,
    );

    const applianceViews = await argoView(appliances.all);
    appliances.all.forEach((a, i) => {
      const want = !observed(a)
        ? 'Progressing'
        : condition(a, 'Stalled')?.status === 'True'
          ? 'Degraded'
          : condition(a, 'Ready')?.status === 'True'
            ? 'Healthy'
            : 'Progressing';
      assert.equal(applianceViews[i]?.health?.status, want, applianceShape(a));
    });
  });

  it('re-applying the recommended Git layout as Argo CD self-heal would never fought the operator', async (t) => {
    const rounds = selfHeal.rounds;
    await waitFor(() => selfHeal.rounds >= rounds + 3, {
      what: 'self-heal rounds after the last plan',
      timeoutMs: 30_000,
    });
    assert.ok(selfHeal.rounds >= 20, `${String(selfHeal.rounds)} rounds`);
    t.diagnostic(
      `self-heal: ${String(selfHeal.rounds)} rounds, ${String(selfHeal.applies)} applies accepted, ${String(selfHeal.conflicts.length)} refused as conflicts`,
    );
    assert.deepEqual(selfHeal.errors, [], 'every apply was accepted (or refused as a conflict)');
    // A conflict can only come from a Service whose slot the operator moved between Argo CD's read
    // and its apply: refused, never forced, so traffic never followed it.
    for (const c of selfHeal.conflicts) assert.match(c, /^Service\/shop-(web|app|db): .*selector/);

    // Each Service's slot moved exactly as the maintenances moved it, and was never dropped.
    for (const name of ['shop-web', 'shop-app', 'shop-db']) {
      const slots = services.of(name).map((s) => s.spec?.selector?.[SELECTOR_SLOT] ?? 'none');
      const moves = slots.filter((s, i) => i === 0 || s !== slots[i - 1]);
      assert.deepEqual(moves, ['none', 'blue', 'green', 'blue'], `${name}: ${moves.join(' → ')}`);
    }
    // The actions' changes to a plan stayed: Git does not carry those fields.
    const a = plans.live('shop-a');
    assert.ok(a?.spec.approvedHash && a.spec.rollbackNow && !a.spec.suspend);
    assert.equal(plans.live('shop-b')?.spec.abort, true);
    // The original VMs stopped once for the cut-over and started once for the rollback.
    const runStrategies = vms.of('shop-db').map((vm) => vm.spec.runStrategy);
    assert.deepEqual(
      runStrategies.filter((s, i) => i === 0 || s !== runStrategies[i - 1]),
      ['Always', 'Halted', 'Always'],
    );
  });

  it('a real Prometheus scraped the run: every dashboard panel has data, and the alerts fired', async () => {
    const end = new Date();
    const range = `${String(Math.ceil((end.getTime() - started.getTime()) / 1000))}s`;
    const empty: string[] = [];
    const queries = panelQueries();
    assert.ok(
      queries.some((q) => q.row === 'Rollouts'),
      'the Rollouts row is checked too',
    );
    for (const q of queries) {
      const expr = fillVariables(q.expr, { namespace: NS, rateInterval: '15s', interval: '2s', range });
      const series = await prometheus.queryRange(expr, started, end, 2);
      if (!series.some((s) => s.values.some(([, v]) => v !== 'NaN'))) empty.push(`${q.panel} ${q.refId}: ${expr}`);
    }
    assert.deepEqual(empty, [], 'panels without data');
    const firing = await waitFor(
      async () => {
        const alerts = (await prometheus.alerts()).filter((a) => a.labels.alertname === 'VappMaintenancePlanFailed');
        const names = alerts
          .filter((a) => a.state === 'firing')
          .map((a) => `${a.labels.name ?? ''} ${a.labels.phase ?? ''}`);
        return names.length >= 3 && names.sort();
      },
      { what: 'VappMaintenancePlanFailed firing', timeoutMs: 30_000, intervalMs: 500 },
    );
    assert.deepEqual(firing, [`${fleetFailedPlan} Failed`, 'shop-a RolledBack', 'shop-c Failed'].sort());
  });
});
