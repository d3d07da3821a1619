// One fleet rollout followed live by the two faces of `kubectl vapp`, as a person uses them:
// `get rollout --watch` in a real terminal (tmux, read with capture-pane) and the dashboard's
// rollouts in headless Chromium (Debian's, driven by playwright-core). Two shops, a Manual canary
// wave that the person approves on the page, then the other wave: both faces show the waves and the
// counts as they move and the end, without a reload; the watch exits 0 at Completed. Screenshots go
// to $VAPP_SCREENSHOTS_DIR when set, with the terminal's screens as text.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { MaintenanceRolloutInput } from '../../../src/api/v1alpha1/index.ts';
import { applyManifests } from '../../../src/sandbox/manifests.ts';
import { startSandboxOperator, type SandboxOperator } from '../../../src/sandbox/operator.ts';
import { startSimulator, type Simulator } from '../../../src/sandbox/simulator/index.ts';
import { launchChromium, type Browser } from '../../support/chromium.ts';
import { startTestCluster, type TestCluster } from '../../support/cluster.ts';
import { deployShops, readRollout } from '../../support/fleet.ts';
import { pluginPath, userKubeconfig } from '../../support/plugin.ts';
import { Terminal } from '../../support/tmux.ts';
import { waitFor } from '../../support/wait.ts';

const NS = 'fleet-live';
const ROLLOUT = 'shops';

describe('a fleet rollout followed live: get rollout --watch in a terminal, the dashboard in a browser', () => {
  let cluster: TestCluster;
  let simulator: Simulator;
  let operator: SandboxOperator;
  let dir: string;
  let shots: string;
  let kubeconfig: string;
  let terminal: Terminal;
  let dashboard: ChildProcess;
  let browser: Browser;

  /** Waits until the terminal's screen matches, and keeps that screen as text. */
  const screenShows = async (name: string, pattern: RegExp, timeoutMs = 120_000) => {
    const screen = await waitFor(
      async () => {
        const s = await terminal.screen();
        return pattern.test(s) && s;
      },
      { what: `the terminal to show ${String(pattern)}`, timeoutMs, intervalMs: 100 },
    );
    await writeFile(path.join(shots, `rollout-terminal-${name}.txt`), `${screen}\n`);
    return screen;
  };
  const shot = (name: string) =>
    browser.page.screenshot({ path: path.join(shots, `rollout-${name}.png`), fullPage: true });
  const card = () => browser.page.locator(`[data-rollout="${NS}/${ROLLOUT}"]`);
  const onPage = (field: string, pattern: RegExp, timeout = 120_000) =>
    card().locator(`[data-field=${field}]`, { hasText: pattern }).waitFor({ timeout });

  before(async () => {
    cluster = await startTestCluster();
    dir = await mkdtemp(path.join(tmpdir(), 'vapp-live-rollout-'));
    shots = process.env.VAPP_SCREENSHOTS_DIR ?? path.join(dir, 'screenshots');
    await mkdir(shots, { recursive: true });
    simulator = await startSimulator({
      kubeConfig: cluster.kubeConfig,
      readyDelayMs: 0,
      stepDelayMs: 0,
      volumesDir: path.join(dir, 'volumes'),
    });
    operator = await startSandboxOperator(cluster, { controllers: { maintenance: { observeIntervalMs: 500 } } });
    await deployShops(cluster.kubeConfig, NS, {
      'shop-a': { app: 'shop', 'vapp.dev/canary': 'true' },
      'shop-b': { app: 'shop' },
    });
    kubeconfig = await userKubeconfig(cluster.kubeconfigPath, path.join(dir, 'kubeconfig'), NS);
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

  it('the watch in the terminal shows the rollout holding its Manual canary wave', async () => {
    const rollout: MaintenanceRolloutInput = {
      apiVersion: 'vapp.dev/v1alpha1',
      kind: 'MaintenanceRollout',
      metadata: { name: ROLLOUT, namespace: NS },
      spec: {
        target: { components: [{ name: 'app/shop', level: '2.4.0' }] },
        selector: { matchLabels: { app: 'shop' } },
        waves: [
          {
            name: 'canary',
            selector: { matchLabels: { 'vapp.dev/canary': 'true' } },
            limit: 1,
            soak: '2s',
            approval: 'Manual',
          },
        ],
        maxInFlight: 1,
        plan: { verify: { timeoutSeconds: 60 }, rollback: { automatic: true, observeSeconds: 1 } },
      },
    };
    await applyManifests(cluster.kubeConfig, [rollout], { namespace: NS });
    terminal = await Terminal.start(`kubectl vapp get rollout ${ROLLOUT} --watch; echo EXIT=$?; sleep 3600`, {
      width: 140,
      height: 50,
      env: { PATH: pluginPath(), KUBECONFIG: kubeconfig, LANG: 'C.UTF-8' },
    });
    const screen = await screenShows('awaiting', /Phase\s+\S+ AwaitingApproval/);
    assert.match(screen, /^MaintenanceRollout shops\s+namespace fleet-live · revision 1/);
    assert.match(
      screen,
      /Approval\s+wave canary waits for a person: kubectl vapp approve rollout\/shops -n fleet-live/,
    );
    assert.match(screen, /Appliances 2 selected · 0 up to date/);
    assert.match(screen, /canary[^\n]*AwaitingApproval\s+\[\.{10}\] 0\/1 up to date/);
    assert.match(screen, /default[^\n]*Pending\s+\[\.{10}\] 0\/1 up to date/);
    assert.match(screen, /watching · \d\d:\d\d:\d\d · Ctrl-C to stop/);
  });

  it('the dashboard shows the rollout waiting; its wave is approved on the page, after a confirmation', async () => {
    dashboard = spawn('kubectl', ['vapp', 'dashboard', '--port', '0'], {
      env: { ...process.env, PATH: pluginPath(), KUBECONFIG: kubeconfig },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    dashboard.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const url = await waitFor(() => /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1], { what: 'the dashboard URL' });
    browser = await launchChromium();
    await browser.page.goto(url);
    await onPage('phase', /^AwaitingApproval$/);
    assert.match((await card().locator('[data-field=approval]').textContent()) ?? '', /wave canary waits for a person/);
    assert.match((await card().locator('[data-field=progress]').textContent()) ?? '', /0\/2 up to date/);
    assert.equal(await card().locator('[data-wave=canary] td.wave').textContent(), 'AwaitingApproval');
    await shot('1-awaiting-approval');
    // The page must not reload: this mark survives only in the same document.
    await browser.page.evaluate(() => ((globalThis as unknown as { vappMark: number }).vappMark = 1));
    await card().locator('[data-action=approve]').click();
    const dialog = browser.page.locator('#confirm[open]');
    await dialog.waitFor();
    assert.equal(await dialog.locator('[data-field=confirm-wave]').textContent(), 'canary');
    await browser.page.locator('#confirm-ok').click();
    await onPage('phase', /^(Progressing|Soaking)$/);
    assert.deepEqual((await readRollout(cluster.kubeConfig, NS, ROLLOUT)).spec.approvedWaves, ['canary']);
  });

  it('both follow the waves: the canary up to date, then the other wave in flight', async () => {
    const screen = await screenShows('canary-done', /canary[^\n]*(Soaking|Completed)\s+\[#{10}\] 1\/1 up to date/);
    assert.match(screen, /Appliances 2 selected · 1 up to date/);
    await card()
      .locator('[data-wave=canary] td.wave', { hasText: /^(Soaking|Completed)$/ })
      .waitFor({ timeout: 60_000 });
    assert.match((await card().locator('[data-field=progress]').textContent()) ?? '', /1\/2 up to date/);
    const next = await screenShows('default-in-flight', /In flight\n\s+APPLIANCE[^\n]*\n\s+shop-b\s/);
    assert.match(next, /default[^\n]*Progressing/);
    await card().locator('[data-inflight]').first().waitFor({ timeout: 60_000 });
    await shot('2-in-flight');
  });

  it('both show the end: Completed 2/2, and the watch exits 0', async () => {
    await onPage('phase', /^Completed$/);
    assert.match((await card().locator('[data-field=progress]').textContent()) ?? '', /2\/2 up to date/);
    const screen = await screenShows('end', /EXIT=0/);
    assert.match(screen, /Phase\s+\S+ Completed\s+\[#{20}\] 2\/2 up to date/);
    assert.match(screen, /canary[^\n]*Completed/);
    assert.match(screen, /default[^\n]*Completed/);
    assert.equal(
      await browser.page.evaluate(() => (globalThis as unknown as { vappMark?: number }).vappMark),
      1,
      'no reload',
    );
    await shot('3-completed');
  });
});
