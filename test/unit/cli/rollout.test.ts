// `kubectl vapp` on a MaintenanceRollout: the view of `get rollout` (from objects shaped as the API
// serves them), its exit codes, and the requests (abort, suspend, resume, acknowledge, approve of a
// wave) with their refusals.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { parseMaintenanceRollout } from '../../../src/api/v1alpha1/index.ts';
import { rolloutExitCodeOf, rolloutTable } from '../../../src/cli/commands/get-rollout.ts';
import { palette, stripAnsi } from '../../../src/cli/render.ts';
import {
  decideAcknowledge,
  decideApproveWave,
  decideRolloutAbort,
  decideRolloutResume,
  decideRolloutSuspend,
  rolloutTarget,
} from '../../../src/cli/requests/rollout.ts';
import { parseTarget } from '../../../src/cli/requests/targets.ts';
import { resolveCountOrPercent, rolloutFacts } from '../../../src/cli/views/rollout-facts.ts';
import { rolloutView } from '../../../src/cli/views/rollout-view.ts';
import type { WireRollout } from '../../../src/cli/wire.ts';

const NOW = new Date('2026-12-05T03:00:00Z');
const T = '2026-12-05T02:00:00Z';
const plain = palette(false);

/** A rollout of six shops, canary done, the default wave under way; `spec` and `status` override. */
function rollout(spec: Record<string, unknown> = {}, status: Record<string, unknown> = {}): WireRollout {
  const obj = {
    apiVersion: 'vapp.dev/v1alpha1',
    kind: 'MaintenanceRollout',
    metadata: {
      name: 'shops',
      namespace: 'shop',
      generation: 3,
      resourceVersion: '41',
      creationTimestamp: '2026-12-05T01:00:00Z',
    },
    spec: {
      target: { components: [{ name: 'postgres', level: '16.4.0' }] },
      selector: { matchLabels: { app: 'shop' } },
      waves: [{ name: 'canary', selector: { matchLabels: { canary: 'true' } }, limit: 1, soak: '30m' }],
      maxInFlight: 2,
      maxCuttingOver: 1,
      maxUnavailable: '20%',
      ...spec,
    },
    status: {
      observedGeneration: 3,
      revision: 1,
      phase: 'Progressing',
      progress: '3/6 up to date, 2 in flight',
      counts: { selected: 6, upToDate: 3, pending: 1, inFlight: 2, waitingForSlot: 1, cuttingOver: 1, unavailable: 1 },
      waves: [
        { name: 'canary', state: 'Completed', appliances: 1, upToDate: 1, completedAt: '2026-12-05T01:40:00Z' },
        { name: 'default', state: 'Progressing', appliances: 5, upToDate: 2 },
      ],
      currentWave: 'default',
      inFlight: [
        { appliance: 'shop-d', plan: 'shops-r1-shop-d', phase: 'CuttingOver', wave: 'default', cutOverSlot: true },
        { appliance: 'shop-e', plan: 'shops-r1-shop-e', phase: 'WaitingForCutOverSlot', wave: 'default' },
      ],
      failures: { count: 0, acknowledged: 0, consecutive: 0, allowed: 1 },
      nextWindowStart: '2026-12-06T01:00:00Z',
      conditions: [
        { type: 'Ready', status: 'False', reason: 'Progressing', message: '2 plans in flight', lastTransitionTime: T },
        {
          type: 'Reconciling',
          status: 'True',
          reason: 'Progressing',
          message: '2 plans in flight',
          lastTransitionTime: T,
        },
      ],
      ...status,
    },
  };
  // Every object the tests use is one the API server would accept and serve.
  parseMaintenanceRollout(obj);
  return obj as WireRollout;
}

const paused = () =>
  rollout(
    { acknowledgedFailures: 1, failurePolicy: { maxFailures: 1, action: 'Pause' } },
    {
      phase: 'Paused',
      counts: { selected: 6, upToDate: 3, inFlight: 0, failed: 2, rolledBack: 1 },
      inFlight: [],
      failures: { count: 3, acknowledged: 1, consecutive: 2, allowed: 1, exceeded: true },
      needsAttention: [
        {
          appliance: 'shop-b',
          plan: 'shops-r1-shop-b',
          reason: 'Failed',
          message: 'Verify: the health check failed',
          since: '2026-12-05T02:50:00Z',
        },
        {
          appliance: 'shop-c',
          plan: 'shops-r1-shop-c',
          reason: 'RolledBack',
          message: 'rolled back after the cut-over',
        },
      ],
      conditions: [
        {
          type: 'Paused',
          status: 'True',
          reason: 'FailureBudgetSpent',
          message: '2 failures of 1 allowed',
          lastTransitionTime: T,
        },
      ],
    },
  );

const text = (r: WireRollout) => rolloutView(rolloutFacts(r, [], NOW), { palette: plain, now: NOW }).join('\n');

describe('the rollout view', () => {
  it('shows the phase, the counts, the budgets used, the next window, the waves and the plans in flight', () => {
    const out = text(rollout());
    assert.match(out, /^MaintenanceRollout shops\s+namespace shop · revision 1/);
    assert.match(out, /Phase\s+◐ Progressing\s+\[##########\.{10}\] 3\/6 up to date\s+elapsed 2h00m/);
    assert.match(out, /Target\s+postgres 16\.4\.0\n/);
    assert.match(
      out,
      /Appliances 6 selected · 3 up to date · 1 pending · 2 in flight · 1 waiting for a slot · 1 cutting over · 1 unavailable/,
    );
    // 20% of 6 rounds up to 2.
    assert.match(out, /Budgets\s+in flight 2\/2 · cutting over 1\/1 · unavailable 1\/2 \(20%\) · failures 0\/1/);
    assert.match(out, /Window\s+next opens Sun 2026-12-06 01:00 UTC \(in 22h00m\)/);
    assert.match(out, /✔ canary\s+Completed\s+\[##########\] 1\/1 up to date\s+completed 1h20m ago/);
    assert.match(out, /◐ default ←\s+Progressing\s+\[####\.{6}\] 2\/5 up to date/);
    assert.match(out, /APPLIANCE\s+PLAN\s+WAVE\s+PHASE\s+CUT-OVER SLOT/);
    assert.match(out, /shop-d\s+shops-r1-shop-d\s+default\s+◐ CuttingOver\s+yes/);
    assert.match(out, /shop-e\s+shops-r1-shop-e\s+default\s+⏸ WaitingForCutOverSlot\s+no/);
    assert.match(out, /Status\s+Progressing: 2 plans in flight/);
    assert.doesNotMatch(out, /Needs attention|Requested|failed|rolled back/);
  });

  it('names what needs attention and how to go on when the failures paused it', () => {
    const out = text(paused());
    assert.match(out, /Phase\s+⏸ Paused/);
    assert.match(out, /failures 2\/1 \(\+1 acknowledged\) · spent: paused/);
    assert.match(out, /then `kubectl vapp acknowledge shops -n shop` \(spec\.acknowledgedFailures → 3\) to go on/);
    assert.match(out, /2 failed · 1 rolled back/);
    assert.match(out, /Needs attention\n\s+APPLIANCE\s+PLAN\s+REASON\s+SINCE\s+MESSAGE/);
    assert.match(out, /shop-b\s+shops-r1-shop-b\s+Failed\s+10m00s ago\s+Verify: the health check failed/);
    assert.match(out, /shop-c\s+shops-r1-shop-c\s+RolledBack\s+rolled back after the cut-over/);
    assert.match(out, /Paused\s+True\s+FailureBudgetSpent\s+2 failures of 1 allowed/);
  });

  it('shows a wave that waits for approval, a soaking wave, the requests and a BaseImage that is followed', () => {
    const out = text(
      rollout(
        {
          target: { baseImage: { ref: { name: 'debian', namespace: 'images' } } },
          waves: [
            { name: 'canary', selector: {}, limit: 1, soak: '30m' },
            { name: 'eu', selector: { matchLabels: { region: 'eu' } }, approval: 'Manual' },
          ],
          suspend: true,
        },
        {
          phase: 'Suspended',
          target: { baseImage: { image: 'images/debian', version: 'v2', displayVersion: '13.2' } },
          waves: [
            { name: 'canary', state: 'Soaking', appliances: 1, upToDate: 1, soakUntil: '2026-12-05T03:20:00Z' },
            { name: 'eu', state: 'Pending', appliances: 3, upToDate: 0 },
          ],
          currentWave: 'canary',
        },
      ),
    );
    assert.match(out, /Phase\s+⏸ Suspended/);
    assert.match(out, /Requested\s+suspend/);
    assert.match(out, /Target\s+base image images\/debian 13\.2 · follows the latest/);
    assert.match(out, /◑ canary ←\s+Soaking\s+.*soaking until Sat 2026-12-05 03:20 UTC \(in 20m00s\)/);
    assert.match(out, /○ eu\s+Pending\s+.*approval Manual: waits for a person when its turn comes/);
  });

  it('says how to approve a wave the operator holds for a person', () => {
    const out = text(
      rollout(
        { waves: [{ name: 'eu', selector: {}, approval: 'Manual' }] },
        {
          phase: 'AwaitingApproval',
          waves: [{ name: 'eu', state: 'AwaitingApproval', appliances: 3, upToDate: 0 }],
          currentWave: 'eu',
        },
      ),
    );
    assert.match(out, /Phase\s+⏸ AwaitingApproval/);
    assert.match(
      out,
      /⏸ eu ←\s+AwaitingApproval\s+.*waiting for approval: kubectl vapp approve rollout\/shops adds it to spec\.approvedWaves/,
    );
  });

  it('cuts lines to the width of the terminal, and lists rollouts as a table', () => {
    const lines = rolloutView(rolloutFacts(paused(), [], NOW), { palette: palette(true), now: NOW, width: 50 });
    for (const l of lines) assert.ok([...stripAnsi(l)].length <= 50, l);
    assert.deepEqual(rolloutTable([rollout(), paused()], NOW, plain), [
      'NAME   PHASE          PROGRESS                     WAVE     FAILED  REVISION  AGE',
      'shops  ◐ Progressing  3/6 up to date, 2 in flight  default  0       1         2h00m',
      'shops  ⏸ Paused       3/6 up to date, 2 in flight  default  3       1         2h00m',
    ]);
  });

  it('resolves a percentage budget as the API defines it: rounded up, at least 1 unless 0%', () => {
    assert.deepEqual(
      [
        resolveCountOrPercent('20%', 6, 1),
        resolveCountOrPercent('1%', 6, 1),
        resolveCountOrPercent('0%', 6, 1),
        resolveCountOrPercent(3, 6, 1),
        resolveCountOrPercent(undefined, 6, 1),
      ],
      [2, 1, 0, 3, 1],
    );
  });

  it('--watch ends on Completed (0) and Aborted (11) only', () => {
    assert.deepEqual(['Completed', 'Aborted', 'Paused', 'Progressing', 'Soaking', undefined].map(rolloutExitCodeOf), [
      0,
      11,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('the rollout view of the objects the Argo CD tests use (test/fixtures/argocd)', () => {
  const dir = path.join(import.meta.dirname, '../../fixtures/argocd/vapp.dev/MaintenanceRollout');
  const fixtures = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && f !== 'expected.yaml')
    .map((f) => ({ file: f, rollout: parse(readFileSync(path.join(dir, f), 'utf8')) as WireRollout }));

  it('shows every one with its phase, its progress and its waves', () => {
    assert.ok(fixtures.length >= 5);
    for (const { file, rollout: r } of fixtures) {
      const out = text(r);
      const phase = r.status?.phase ?? 'Pending';
      assert.match(out, new RegExp(`^Phase\\s+\\S+ ${phase}`, 'm'), file);
      const c = r.status?.counts;
      if ((c?.selected ?? 0) > 0)
        assert.ok(out.includes(`${String(c?.upToDate ?? 0)}/${String(c?.selected ?? 0)} up to date`), file);
      for (const w of r.status?.waves ?? [])
        assert.match(out, new RegExp(`${w.name ?? ''}[ ←]*\\s+${w.state ?? ''}`), file);
    }
  });

  it('names the failed appliances of the paused one, the wave that waits for approval, what to do, and offers the requests that apply', () => {
    const paused = fixtures.find((f) => f.file === 'Paused.yaml')?.rollout;
    assert.ok(paused);
    const out = text(paused);
    for (const a of paused.status?.needsAttention ?? []) assert.ok(out.includes(a.appliance ?? '?'), a.appliance);
    assert.match(out, /kubectl vapp acknowledge fleet -n ops/);
    assert.equal(decideAcknowledge(paused).kind, 'patch');
    assert.equal((decideRolloutResume(paused) as { reason: string }).reason, 'PausedByFailures');
    const awaiting = fixtures.find((f) => f.file === 'AwaitingApproval.yaml')?.rollout;
    assert.ok(awaiting);
    assert.match(
      text(awaiting),
      /Approval\s+wave canary waits for a person: kubectl vapp approve rollout\/fleet -n ops/,
    );
    assert.deepEqual(decideApproveWave(awaiting, { wave: 'canary' }), {
      kind: 'patch',
      spec: { approvedWaves: ['canary'] },
      message: 'approved wave canary',
    });
    const aborted = fixtures.find((f) => f.file === 'Aborted-latest-suspend-requested.yaml')?.rollout;
    assert.ok(aborted);
    assert.equal(decideRolloutSuspend(aborted).kind, 'refused');
    assert.equal(rolloutExitCodeOf(aborted.status?.phase), 11);
  });
});

describe('requests on a rollout', () => {
  it('abort sets spec.abort, and is refused once there is nothing left to abort', () => {
    const d = decideRolloutAbort(rollout());
    assert.deepEqual(d.kind === 'patch' ? d.spec : d, { abort: true });
    assert.match(d.message, /the plans that have not cut over are aborted; finished plans stay as they are/);
    assert.equal(decideRolloutAbort(rollout({ abort: true }, { phase: 'Progressing' })).kind, 'unchanged');
    const done = decideRolloutAbort(rollout({}, { phase: 'Completed' }));
    assert.deepEqual([done.kind, (done as { reason: string }).reason], ['refused', 'Completed']);
    // A rollout that follows a BaseImage's latest starts again at the next latest: abort stops that.
    const follows = rollout(
      { target: { baseImage: { ref: { name: 'debian' } } } },
      { phase: 'Completed', revision: 2 },
    );
    assert.equal(decideRolloutAbort(follows).kind, 'patch');
  });

  it('suspend and resume toggle spec.suspend; resume of a rollout its failures paused points at acknowledge', () => {
    assert.deepEqual(decideRolloutSuspend(rollout()), {
      kind: 'patch',
      spec: { suspend: true },
      message: 'suspend requested in Progressing: no new plan and no cut-over slot; plans already cutting over finish',
    });
    assert.equal(decideRolloutSuspend(rollout({ suspend: true })).kind, 'unchanged');
    assert.deepEqual(decideRolloutResume(rollout({ suspend: true }, { phase: 'Suspended' })), {
      kind: 'patch',
      spec: { suspend: false },
      message: 'resumed in Suspended',
    });
    const notSuspended = decideRolloutResume(paused());
    assert.equal(notSuspended.kind, 'refused');
    assert.equal((notSuspended as { reason: string }).reason, 'PausedByFailures');
    assert.match(notSuspended.message, /acknowledge them \(kubectl vapp acknowledge rollout\/shops\)/);
    const aborted = decideRolloutSuspend(rollout({ abort: true }, { phase: 'Aborted' }));
    assert.match(aborted.message, /aborted \(spec\.abort cannot be undone\): there is nothing left to suspend/);
  });

  it('acknowledge raises spec.acknowledgedFailures to the failure count, and only then', () => {
    assert.deepEqual(decideAcknowledge(paused()), {
      kind: 'patch',
      spec: { acknowledgedFailures: 3 },
      message: 'acknowledged 2 failures (spec.acknowledgedFailures 1 → 3): the rollout goes on',
    });
    assert.equal(decideAcknowledge(rollout({ acknowledgedFailures: 3 }, paused().status)).kind, 'unchanged');
    assert.equal((decideAcknowledge(rollout()) as { reason: string }).reason, 'NoFailures');
  });

  it('approve adds the wave waiting for approval to spec.approvedWaves, the one the user was shown', () => {
    const waiting = rollout(
      {
        waves: [{ name: 'eu', selector: {}, approval: 'Manual' }],
        approvedWaves: ['x'],
      },
      { waves: [{ name: 'eu', state: 'AwaitingApproval', appliances: 2, upToDate: 0 }], currentWave: 'eu' },
    );
    assert.deepEqual(decideApproveWave(waiting, {}), {
      kind: 'patch',
      spec: { approvedWaves: ['x', 'eu'] },
      message: 'approved wave eu',
    });
    assert.equal((decideApproveWave(waiting, { wave: 'us' }) as { reason: string }).reason, 'WaveChanged');
    assert.equal((decideApproveWave(rollout(), {}) as { reason: string }).reason, 'NoWaveAwaitingApproval');
  });

  it('refuses a rollback, which is per plan, and is named rollout/NAME', () => {
    const d = rolloutTarget.decide('rollback', rollout(), {}, NOW);
    assert.match(d.message, /roll back each plan \(kubectl vapp rollback PLAN\)/);
    assert.equal(parseTarget('rollout/shops').target.kind, 'MaintenanceRollout');
    assert.equal(parseTarget('mroll/shops').target.kind, 'MaintenanceRollout');
    assert.equal(parseTarget('shops', rolloutTarget as never).target.kind, 'MaintenanceRollout');
    assert.equal(
      rolloutTarget.path('shop', 'shops'),
      '/apis/vapp.dev/v1alpha1/namespaces/shop/maintenancerollouts/shops',
    );
  });
});
