// `kubectl vapp` against the sandbox during a maintenance, run as a user runs it: kubectl finds the
// plugin on PATH (linked into a folder of the user's, with the machine's own node next on PATH,
// so the launcher has to find Node 24 itself). Each command's output holds what a user needs,
// `approve` sets the previewed hash and nothing else, and requests the operator would not honour are
// refused with its reason. One sandbox, one full maintenance (held at its window, then rolled back)
// and one aborted plan.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import type { MaintenancePlan } from '../../../src/api/v1alpha1/index.ts';
import { RestClient } from '../../../src/runtime/rest.ts';
import { startSandboxOperator, type SandboxOperator } from '../../../src/sandbox/operator.ts';
import { startSimulator, type Simulator } from '../../../src/sandbox/simulator/index.ts';
import { startTestCluster, type TestCluster } from '../../support/cluster.ts';
import { kubectl, linkedPluginPath, userKubeconfig } from '../../support/plugin.ts';
import { deployShop, readAppliance, readPlan, waitForPhase } from '../../support/shop.ts';
import { waitFor } from '../../support/wait.ts';

const NS = 'cli';
const PLAN = 'shop-cli';

describe('kubectl vapp', () => {
  let cluster: TestCluster;
  let simulator: Simulator;
  let operator: SandboxOperator;
  let dir: string;
  let kubeconfig: string;
  /** The operator's clock: real time shifted by `shiftMs` (to open the window). */
  let shiftMs = 0;
  /** PATH with the plugin linked in a folder of its own, and the machine's node next. */
  let userPath: string;
  const run = (args: string[], opts: { env?: Record<string, string>; input?: string } = {}) =>
    kubectl(args, { path: userPath, input: opts.input ?? '', env: { KUBECONFIG: kubeconfig, ...opts.env } });
  const vapp = (...args: string[]) => run(['vapp', ...args]);
  const plan = () => readPlan(cluster.kubeConfig, NS, PLAN);
  const reason = (p: MaintenancePlan) => p.status?.conditions.find((c) => c.type === 'Ready')?.reason;

  before(async () => {
    cluster = await startTestCluster();
    dir = await mkdtemp(path.join(tmpdir(), 'vapp-cli-'));
    simulator = await startSimulator({
      kubeConfig: cluster.kubeConfig,
      readyDelayMs: 0,
      stepDelayMs: 0,
      volumesDir: path.join(dir, 'volumes'),
    });
    operator = await startSandboxOperator(cluster, {
      controllers: { maintenance: { now: () => new Date(Date.now() + shiftMs), observeIntervalMs: 1_000 } },
    });
    kubeconfig = await userKubeconfig(cluster.kubeconfigPath, path.join(dir, 'kubeconfig'), NS);
    userPath = await linkedPluginPath(path.join(dir, 'bin'));
    await deployShop(cluster.kubeConfig, NS, { workload: 20 });
  });
  after(async () => {
    await operator.stop();
    await simulator.stop();
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('resolves the kubeconfig as kubectl does, and says so when a context does not exist', async () => {
    // The namespace comes from the context of $KUBECONFIG.
    const list = await vapp('get', 'appliances');
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /NAME\s+READY\s+SLOT\s+ACTIVE PLAN\s+PHASE\s+AGE\nshop\s+3\/3\s+blue/);
    const elsewhere = await vapp('get', 'appliances', '-n', 'default');
    assert.match(elsewhere.stdout, /No VirtualAppliances found/);
    const explicit = await run(['vapp', '--kubeconfig', kubeconfig, 'get', 'appliance', 'shop'], {
      env: { KUBECONFIG: path.join(dir, 'missing') },
    });
    assert.equal(explicit.code, 0, explicit.stderr);
    const wrong = await vapp('--context', 'staging', 'get', 'appliances');
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /error: context "staging" does not exist/);
  });

  it('shows the appliance as a tree: members, VMs with slot, readiness and levels, Services, no active plan', async () => {
    const { code, stdout } = await vapp('get', 'appliance', 'shop');
    assert.equal(code, 0);
    assert.match(stdout, /^VirtualAppliance shop\s+namespace cli\s+✔ Ready\s+3\/3 members ready\s+serving slot blue/);
    assert.match(
      stdout,
      /├─ member db\s+start order 0 · data volumes pgdata\n│ {2}└─ ● shop-db\s+slot blue\s+serving\s+Running, ready\s+postgres 16\.2\.0/,
    );
    assert.match(stdout, /│ {2}└─ ● shop-app\s+slot blue\s+serving\s+Running, ready\s+shop 2\.3\.1/);
    assert.match(stdout, /│ {2}└─ ● shop-web\s+slot blue\s+serving\s+Running, ready\s+nginx 1\.26\.2/);
    for (const svc of ['shop-web', 'shop-app', 'shop-db']) assert.match(stdout, new RegExp(`${svc} → slot blue`));
    assert.match(stdout, /└─ active plan none/);
    const json = JSON.parse((await vapp('get', 'appliance', 'shop', '-o', 'json')).stdout) as {
      members: { name: string; vms: { name: string; role: string }[] }[];
    };
    assert.deepEqual(
      json.members.map((m) => [m.name, m.vms.map((v) => `${v.name}:${v.role}`)]),
      [
        ['db', ['shop-db:serving']],
        ['app', ['shop-app:serving']],
        ['web', ['shop-web:serving']],
      ],
    );
  });

  it('writes a plan: checks the flags first, prints it with --dry-run=client, then creates it and shows its preview', async () => {
    const bad = await vapp('plan', 'shop', '--set', 'postgres=sixteen');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /spec\.components\[0\]\.level \(--set\): must be a semantic version/);
    const missing = await vapp('plan', 'nosuch', '--set', 'postgres=16.4.0');
    assert.match(missing.stderr, /VirtualAppliance nosuch not found in namespace cli/);

    // A window that is closed now and opens in six hours (UTC): the plan prepares, then waits.
    const opens = new Date(Date.now() + 6 * 3600_000);
    const hhmm = (d: Date) => d.toISOString().slice(11, 16);
    const window = `${hhmm(opens)}-${hhmm(new Date(opens.getTime() + 3600_000))} UTC`;
    const flags = ['--name', PLAN, '--set', 'postgres=16.4.0', '--set', 'app/shop=2.4.0', '--set', 'nginx=1.26.2'];
    const more = ['--approval', 'Manual', '--window', window, '--observe-seconds', '600'];
    const dry = await vapp('plan', 'shop', ...flags, ...more, '--dry-run=client', '-o', 'json');
    assert.equal(dry.code, 0, dry.stderr);
    assert.deepEqual((JSON.parse(dry.stdout) as MaintenancePlan).spec.components, [
      { name: 'postgres', level: '16.4.0' },
      { name: 'app/shop', level: '2.4.0' },
      { name: 'nginx', level: '1.26.2' },
    ]);
    assert.match((await vapp('get', 'plans')).stdout, /No MaintenancePlans found/, 'a dry run creates nothing');

    const created = await vapp('plan', 'shop', ...flags, ...more);
    assert.equal(created.code, 0, created.stderr);
    assert.match(
      created.stdout,
      /^maintenanceplan\/shop-cli created\nPreview\s+hash [0-9a-f]{16}\s+estimated downtime/,
    );
    assert.match(
      created.stdout,
      /db\/postgres\s+16\.2\.0 → 16\.4\.0\n\s+app\/shop\s+2\.3\.1 → 2\.4\.0\n\s+web\/nginx\s+1\.26\.2 \(unchanged\)/,
    );
    assert.match(created.stdout, /approve it with: kubectl vapp approve shop-cli -n cli/);
  });

  it('refuses what the plan cannot do while it awaits approval, and a declined approval changes nothing', async () => {
    const waiting = await waitForPhase(cluster.kubeConfig, NS, PLAN, (p) => p === 'AwaitingApproval');
    const rollback = await vapp('rollback', PLAN);
    assert.equal(rollback.code, 2);
    assert.match(rollback.stderr, /plan\/shop-cli: refused \(RollbackDeferred\): the plan has not cut over yet/);
    const resume = await vapp('resume', PLAN);
    assert.match(resume.stderr, /refused \(NotSuspended\)/);
    const declined = await run(['vapp', 'approve', PLAN], { input: 'n\n' });
    assert.equal(declined.code, 1);
    assert.match(declined.stdout, new RegExp(`Preview\\s+hash ${waiting.status?.preview?.hash ?? ''}`));
    assert.match(
      declined.stderr,
      /Approve exactly this preview of plan\/shop-cli \(hash [0-9a-f]{16}\)\? \[y\/N\] error: plan\/shop-cli: not approved/,
    );
    const after = await plan();
    assert.equal(after.metadata.generation, waiting.metadata.generation, 'nothing was sent');
    assert.equal(after.spec.approvedHash, undefined);
  });

  it('approves: sets spec.approvedHash to exactly the previewed hash, and nothing else', async () => {
    const before = await plan();
    const hash = before.status?.preview?.hash ?? '';
    const approved = await vapp('approve', PLAN, '--yes');
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(approved.stdout, new RegExp(`plan/shop-cli: approved the preview ${hash}\\n$`));
    const after = await plan();
    assert.deepEqual(after.spec, { ...before.spec, approvedHash: hash });
    assert.equal(after.metadata.generation, (before.metadata.generation ?? 0) + 1);
    const again = await vapp('approve', PLAN, '--yes');
    assert.match(again.stdout + again.stderr, /already|past its approval/);
  });

  it('shows the plan held at its window: clone, preview Services, steps, rounds, when the window opens', async () => {
    await waitForPhase(cluster.kubeConfig, NS, PLAN, (p) => p === 'WaitingForWindow', 120_000);
    const tree = (await vapp('get', 'appliance', 'shop')).stdout;
    assert.match(
      tree,
      /● shop-db\s+slot blue\s+serving[^\n]*postgres 16\.2\.0\n│ {2}└─ ● shop-cli-db\s+slot green\s+clone \(plan shop-cli\)\s+Running, ready\s+postgres 16\.4\.0/,
    );
    assert.match(tree, /● shop-cli-app\s+slot green\s+clone \(plan shop-cli\)[^\n]*shop 2\.4\.0/);
    assert.match(tree, /shop-db-preview → slot green \(preview of the clone\)/);
    assert.match(tree, /└─ active plan shop-cli\s+⏸ WaitingForWindow/);

    const view = (await vapp('get', 'plan', PLAN)).stdout;
    assert.match(view, /Phase\s+⏸ WaitingForWindow\s+\[#+\.+\] 7\/10 steps/);
    assert.match(view, /Approval\s+Manual · approved [0-9a-f]{16}/);
    assert.match(
      view,
      /Window\s+every day \d\d:\d\d-\d\d:\d\d UTC · closed, opens \w{3} \d{4}-\d\d-\d\d \d\d:\d\d UTC \(in [56]h\d\dm\)/,
    );
    for (const step of ['Plan', 'Approve', 'Snapshot', 'Clone', 'Update', 'Verify', 'Sync'])
      assert.match(view, new RegExp(`✔ ${step}\\s+Succeeded`));
    assert.match(view, /○ Observe\s+Pending/);
    assert.match(
      view,
      /Sync rounds\n\s+ROUND\s+BYTES\s+SECONDS\s+RATE\s+READ\s+WRITTEN\s+RANGES\n\s+1\s+\d.*\sCompare\n/,
    );
    // After a round the downtime is projected from what it measured, no longer the preview's estimate.
    assert.match(view, /Downtime\s+projected \S+\s+budget 1m00s/);
    assert.match(view, /Events\n(.*\n)*.*Normal\s+WaitingForWindow\s+data synced; the cut-over waits/);
  });

  it('suspends at the window and resumes', async () => {
    const suspended = await vapp('suspend', PLAN);
    assert.equal(suspended.code, 0, suspended.stderr);
    assert.match(suspended.stdout, /plan\/shop-cli: suspend requested in WaitingForWindow/);
    await waitFor(async () => reason(await plan()) === 'Suspended', { what: 'the plan suspended' });
    assert.match((await vapp('get', 'plan', PLAN)).stdout, /Phase\s+⏸ WaitingForWindow \(suspended\)/);
    assert.match((await vapp('get', 'plans')).stdout, /shop-cli\s+shop\s+⏸ WaitingForWindow \(suspended\)\s+7\/10/);
    const resumed = await vapp('resume', PLAN);
    assert.match(resumed.stdout, /plan\/shop-cli: resumed in WaitingForWindow/);
    await waitFor(async () => reason(await plan()) === 'WaitingForWindow', { what: 'the plan resumed' });
  });

  it('refuses an abort and a suspend once the clone serves, and rolls back when asked', async () => {
    // The window opens on the operator's clock.
    shiftMs = 6.5 * 3600_000;
    await new RestClient(cluster.kubeConfig).request(
      `/apis/vapp.dev/v1alpha1/namespaces/${NS}/maintenanceplans/${PLAN}`,
      {
        method: 'PATCH',
        contentType: 'application/merge-patch+json',
        body: { metadata: { annotations: { 'test/poke': String(Date.now()) } } },
      },
    );
    const observing = await waitForPhase(cluster.kubeConfig, NS, PLAN, (p) => p === 'Observing', 120_000);
    const abort = await vapp('abort', PLAN);
    assert.equal(abort.code, 2);
    assert.match(
      abort.stderr,
      /refused \(AbortRefused\): abort is refused in Observing: the original is already stopped and the clone serves/,
    );
    const suspend = await vapp('suspend', PLAN);
    assert.match(suspend.stderr, /refused \(NoSafePoint\): the plan is Observing/);
    assert.equal((await plan()).metadata.generation, observing.metadata.generation, 'nothing was sent');

    const tree = (await vapp('get', 'appliance', 'shop')).stdout;
    assert.match(tree, /serving slot green/);
    assert.match(
      tree,
      /● shop-cli-db\s+slot green\s+serving[^\n]*\n│ {2}└─ ○ shop-db\s+slot blue\s+retained original\s+Stopped/,
    );

    const view = (await vapp('get', 'plan', PLAN)).stdout;
    assert.match(view, /Downtime\s+measured \d+\.\ds/);
    assert.match(view, /stopOriginal \d+\.\ds · finalDelta \d+\.\ds · startClone \d+\.\ds/, 'its parts');
    assert.match(view, /◐ Observe\s+Running\s+\S+\s+\[[#.]{10}\] \d+\/600 s/);
    assert.match(view, /\d \(final\)\s+\d/, 'the final round is marked');

    const rollback = await vapp('rollback', PLAN);
    assert.equal(rollback.code, 0, rollback.stderr);
    assert.match(rollback.stdout, /plan\/shop-cli: rollback requested in Observing/);
    await waitForPhase(cluster.kubeConfig, NS, PLAN, (p) => p === 'RolledBack', 120_000);
    const ended = await vapp('get', 'plan', PLAN, '--watch');
    assert.equal(ended.code, 12, 'the exit code of a plan that rolled back');
    assert.match(ended.stdout, /Phase\s+↺ RolledBack/);
    assert.match(ended.stdout, /Rollback\s+downtime \d+\.\ds · .* synced back from the clone/);
    assert.match(ended.stdout, /✔ Rollback\s+Succeeded/);
    assert.equal((await readAppliance(cluster.kubeConfig, NS)).status?.activeSlot, 'blue');
    const yaml = parse((await vapp('get', 'plan', PLAN, '-o', 'yaml')).stdout) as MaintenancePlan;
    assert.deepEqual([yaml.kind, yaml.status?.phase], ['MaintenancePlan', 'RolledBack']);
  });

  it('aborts a plan before the cut-over, and get plan --watch exits with Aborted', async () => {
    const early = 'shop-early';
    const created = await vapp('plan', 'shop', '--name', early, '--set', 'postgres=16.4.0', '--approval', 'Manual');
    assert.equal(created.code, 0, created.stderr);
    await waitForPhase(cluster.kubeConfig, NS, early, (p) => p === 'AwaitingApproval');
    const abort = await vapp('abort', early);
    assert.equal(abort.code, 0, abort.stderr);
    assert.match(abort.stdout, /plan\/shop-early: abort requested in AwaitingApproval/);
    const watched = await vapp('get', 'plan', early, '--watch');
    assert.equal(watched.code, 11, watched.stderr);
    assert.match(watched.stdout, /Phase\s+⊘ Aborted/);
  });

  it('completes through kubectl itself (kubectl_complete-vapp) and through the bash script', async () => {
    const viaKubectl = await run(['__complete', 'vapp', 'get', 'plan', 'shop-']);
    assert.match(viaKubectl.stdout, /^shop-cli\nshop-early\n:4\n/);
    const script = (await vapp('completion', 'bash')).stdout;
    const { stdout } = await promisify(execFile)(
      'bash',
      [
        '-c',
        `${script}\nCOMP_WORDS=(kubectl-vapp approve shop-c); COMP_CWORD=2; _kubectl_vapp; printf '%s\\n' "\${COMPREPLY[@]}"`,
      ],
      { env: { ...process.env, PATH: userPath, KUBECONFIG: kubeconfig } },
    );
    assert.equal(stdout, 'shop-cli\n');
  });
});
