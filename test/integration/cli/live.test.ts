// One Manual maintenance followed live by the two faces of `kubectl vapp`, as a person uses them:
// `get plan --watch` in a real terminal (tmux, read with capture-pane) and the dashboard in headless
// Chromium (Debian's, driven by playwright-core). The approval is made on the page, and moves the
// plan on; both show each step as it happens and the end, without a reload. Screenshots go to
// $VAPP_SCREENSHOTS_DIR when set, with the terminal's screens as text (else a temporary folder,
// removed afterwards).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startSandboxOperator, type SandboxOperator } from '../../../src/sandbox/operator.ts';
import { startSimulator, type Simulator } from '../../../src/sandbox/simulator/index.ts';
import { launchChromium, type Browser } from '../../support/chromium.ts';
import { startTestCluster, type TestCluster } from '../../support/cluster.ts';
import { kubectl, pluginPath, userKubeconfig } from '../../support/plugin.ts';
import { deployShop, readPlan, waitForPhase } from '../../support/shop.ts';
import { Terminal } from '../../support/tmux.ts';
import { waitFor } from '../../support/wait.ts';

const NS = 'live';

/** The HTTP status of one request to the dashboard, with the headers given. */
function status(
  port: number,
  method: string,
  urlPath: string,
  headers: Record<string, string>,
  body = '',
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path: urlPath, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(body);
  });
}
const PLAN = 'shop-live';

describe('a maintenance followed live: get plan --watch in a terminal, the dashboard in a browser', () => {
  let cluster: TestCluster;
  let simulator: Simulator;
  let operator: SandboxOperator;
  let dir: string;
  let shots: string;
  let kubeconfig: string;
  let terminal: Terminal;
  let dashboard: ChildProcess;
  let url: string;
  let browser: Browser;
  const screens: Record<string, string> = {};

  /** Waits until the terminal's screen matches, and keeps that screen under `name`. */
  const screenShows = async (name: string, pattern: RegExp, timeoutMs = 60_000) => {
    screens[name] = await waitFor(
      async () => {
        const s = await terminal.screen();
        return pattern.test(s) && s;
      },
      { what: `the terminal to show ${String(pattern)}`, timeoutMs, intervalMs: 100 },
    );
    await writeFile(path.join(shots, `terminal-${name}.txt`), `${screens[name]}\n`);
    return screens[name];
  };
  const shot = (name: string) => browser.page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  const card = () => browser.page.locator(`[data-plan="${NS}/${PLAN}"]`);
  const phaseOnPage = (pattern: RegExp, timeout = 60_000) =>
    card().locator('[data-field=phase]', { hasText: pattern }).waitFor({ timeout });

  before(async () => {
    cluster = await startTestCluster();
    dir = await mkdtemp(path.join(tmpdir(), 'vapp-live-'));
    shots = process.env.VAPP_SCREENSHOTS_DIR ?? path.join(dir, 'screenshots');
    await mkdir(shots, { recursive: true });
    simulator = await startSimulator({
      kubeConfig: cluster.kubeConfig,
      readyDelayMs: 0,
      stepDelayMs: 0,
      volumesDir: path.join(dir, 'volumes'),
    });
    operator = await startSandboxOperator(cluster, { controllers: { maintenance: { observeIntervalMs: 1_000 } } });
    kubeconfig = await userKubeconfig(cluster.kubeconfigPath, path.join(dir, 'kubeconfig'), NS);
    await deployShop(cluster.kubeConfig, NS, { workload: 20 });
  });
  after(async () => {
    await browser?.close();
    if (dashboard?.exitCode === null) {
      const ended = new Promise((resolve) => dashboard.once('exit', resolve));
      dashboard.kill('SIGTERM');
      await ended;
    }
    await terminal?.kill();
    await operator.stop();
    await simulator.stop();
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a Manual plan; the watch in the terminal shows it waiting for approval', async () => {
    const created = await kubectl(
      [
        'vapp',
        'plan',
        'shop',
        '--name',
        PLAN,
        '--set',
        'postgres=16.4.0',
        '--set',
        'app/shop=2.4.0',
        '--approval',
        'Manual',
        '--observe-seconds',
        '6',
      ],
      { env: { KUBECONFIG: kubeconfig } },
    );
    assert.equal(created.code, 0, created.stderr);
    terminal = await Terminal.start(`kubectl vapp get plan ${PLAN} --watch; echo EXIT=$?; sleep 3600`, {
      width: 110,
      height: 60,
      env: { PATH: pluginPath(), KUBECONFIG: kubeconfig, LANG: 'C.UTF-8' },
    });
    const screen = await screenShows('awaiting', /Phase\s+⏸ AwaitingApproval/);
    assert.match(screen, /^MaintenancePlan shop-live\s+namespace live · appliance shop/);
    assert.match(screen, /Approval\s+Manual · waiting for approval: kubectl vapp approve shop-live -n live/);
    assert.match(screen, /◐ Approve\s+Running/);
    assert.match(screen, /watching · \d\d:\d\d:\d\d · Ctrl-C to stop/);
  });

  it('serves the dashboard, which shows the appliance and the plan waiting for approval', async () => {
    dashboard = spawn('kubectl', ['vapp', 'dashboard', '--port', '0'], {
      env: { ...process.env, PATH: pluginPath(), KUBECONFIG: kubeconfig },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    dashboard.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    url = await waitFor(() => /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1], { what: 'the dashboard URL' });
    assert.match(out, /^Dashboard of namespace live \(context vapp-sandbox\): http/);
    // Only this machine's browser may use it: another Host (DNS rebinding) or a request without the
    // page's token is turned away.
    const port = Number(new URL(url).port);
    assert.equal(await status(port, 'GET', '/', { host: `evil.example:${String(port)}` }), 421);
    assert.equal(await status(port, 'POST', '/api/requests', { 'content-type': 'application/json' }, '{}'), 403);
    browser = await launchChromium();
    await browser.page.goto(url);
    await phaseOnPage(/^AwaitingApproval$/);
    const appliance = browser.page.locator('[data-appliance="live/shop"]');
    assert.match((await appliance.textContent()) ?? '', /Ready.*serving slot blue/);
    assert.equal(await appliance.locator('.vm.serving').count(), 3);
    assert.equal(await card().locator('[data-action=approve]').isEnabled(), true);
    assert.equal(await card().locator('[data-action=rollback]').isEnabled(), false, 'nothing to roll back yet');
    await shot('1-awaiting-approval');
  });

  it('approves on the page, after a confirmation showing the hash: the plan moves on, live', async () => {
    const hash = (await readPlan(cluster.kubeConfig, NS, PLAN)).status?.preview?.hash ?? '';
    // The page must not reload: this mark survives only in the same document.
    await browser.page.evaluate(() => ((globalThis as unknown as { vappMark: number }).vappMark = 1));
    await card().locator('[data-action=approve]').click();
    const dialog = browser.page.locator('#confirm[open]');
    await dialog.waitFor();
    assert.equal(await dialog.locator('[data-field=confirm-hash]').textContent(), hash);
    await shot('2-confirm-approval');
    await browser.page.locator('#confirm-ok').click();
    await phaseOnPage(/^(Snapshotting|Cloning|Updating|Verifying|Syncing|CuttingOver|Observing)$/);
    const plan = await readPlan(cluster.kubeConfig, NS, PLAN);
    assert.equal(plan.spec.approvedHash, hash);
    assert.match(
      (await browser.page.locator('#toast').textContent()) ?? '',
      new RegExp(`shop-live: approved the preview ${hash}`),
    );
    assert.equal(
      await browser.page.evaluate(() => (globalThis as unknown as { vappMark?: number }).vappMark),
      1,
      'no reload',
    );
  });

  it('the terminal shows a running step with its progress bar', async () => {
    const screen = await screenShows('running', /◐ \w+\s+Running\s+\S+\s+\[[#.]{10}\] \d+\/\d+/);
    assert.match(screen, /Approval\s+Manual · approved [0-9a-f]{16}/);
    assert.match(screen, /✔ Approve\s+Succeeded/);
  });

  it('the page follows the cut-over: the clone serves, the rounds and the measured downtime appear', async () => {
    await phaseOnPage(/^Observing$/);
    const appliance = browser.page.locator('[data-appliance="live/shop"]');
    await appliance.getByText('serving slot green').waitFor();
    assert.equal(await appliance.locator('.vm.retained').count(), 3, 'the originals are kept');
    assert.ok((await card().locator('svg.rounds g.round').count()) >= 2, 'pre-copy and final rounds drawn');
    assert.match((await card().locator('[data-field=downtime]').textContent()) ?? '', /measured \d+\.\ds/);
    assert.equal(await card().locator('[data-action=rollback]').isEnabled(), true, 'a rollback is possible now');
    await shot('3-observing');
  });

  it('both show the end: Succeeded, and the watch exits 0', async () => {
    await phaseOnPage(/^Succeeded$/);
    const screen = await screenShows('end', /EXIT=0/);
    assert.match(screen, /Phase\s+✔ Succeeded\s+\[#+\.*\] \d+\/10 steps/);
    assert.match(screen, /✔ CutOver\s+Succeeded/);
    assert.match(screen, /✔ Observe\s+Succeeded/);
    assert.match(screen, /Downtime\s+measured \d+\.\ds/);
    await waitForPhase(cluster.kubeConfig, NS, PLAN, (p) => p === 'Succeeded');
    assert.equal(
      await browser.page.evaluate(() => (globalThis as unknown as { vappMark?: number }).vappMark),
      1,
      'no reload',
    );
    await shot('4-succeeded');
  });

  it('get appliance --watch follows the appliance until Ctrl-C, then gives the terminal back', async () => {
    const tree = await Terminal.start('kubectl vapp get appliance shop --watch; echo EXIT=$?; sleep 3600', {
      width: 110,
      height: 40,
      env: { PATH: pluginPath(), KUBECONFIG: kubeconfig, LANG: 'C.UTF-8' },
    });
    try {
      const shown = await waitFor(
        async () => {
          const s = await tree.screen();
          return /watching · /.test(s) && s;
        },
        { what: 'the appliance tree' },
      );
      assert.match(shown, /serving slot green/);
      assert.match(
        shown,
        /● shop-live-db\s+slot green\s+serving[^\n]*postgres 16\.4\.0\n│ {2}└─ ○ shop-db\s+slot blue\s+retained original/,
      );
      await tree.keys('C-c');
      const ended = await waitFor(
        async () => {
          const s = await tree.screen();
          return /EXIT=\d+/.test(s) && s;
        },
        { what: 'the watch to end' },
      );
      assert.match(ended, /EXIT=0/);
    } finally {
      await tree.kill();
    }
  });
});
