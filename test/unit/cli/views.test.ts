import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { palette, stripAnsi } from '../../../src/cli/render.ts';
import { applianceFacts } from '../../../src/cli/views/appliance-facts.ts';
import { applianceTree } from '../../../src/cli/views/appliance-view.ts';
import { planFacts } from '../../../src/cli/views/plan-facts.ts';
import { planView } from '../../../src/cli/views/plan-view.ts';
import type { WireAppliance, WirePlan, WireVm } from '../../../src/cli/wire.ts';

const NOW = new Date('2026-11-22T03:00:00Z');
const plain = palette(false);

function syncingPlan(status: Record<string, unknown> = {}): WirePlan {
  return {
    metadata: { name: 'shop-1', namespace: 'shop', creationTimestamp: '2026-11-22T02:58:00Z' },
    spec: {
      appliance: 'shop',
      approval: 'Manual',
      approvedHash: 'abc',
      window: { days: ['sat', 'sun'], startTime: '02:00', endTime: '05:00', timeZone: 'Europe/Rome' },
      dataSync: { maxRounds: 5, convergedBelow: '64Mi', downtimeBudgetSeconds: 60 },
    },
    status: {
      phase: 'Syncing',
      progress: '5/10',
      preview: {
        hash: 'abc',
        updates: [{ member: 'db', component: 'postgres', from: '16.2.0', to: '16.4.0' }],
        unchanged: [{ member: 'web', component: 'nginx', level: '1.26.2' }],
        estimatedDowntimeSeconds: 26,
      },
      steps: [
        { name: 'Plan', state: 'Succeeded', startedAt: '2026-11-22T02:58:00Z', finishedAt: '2026-11-22T02:58:01Z' },
        {
          name: 'Sync',
          state: 'Running',
          startedAt: '2026-11-22T02:59:00Z',
          progress: '2/5 rounds',
          message: 'round 2',
        },
        { name: 'CutOver', state: 'Pending' },
      ],
      syncRounds: [{ round: 1, bytes: 782336, seconds: 5.16 }],
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'Syncing',
          message: 'copying the data',
          lastTransitionTime: '2026-11-22T02:59:00Z',
        },
        {
          type: 'CutOver',
          status: 'Unknown',
          reason: 'Pending',
          message: '',
          lastTransitionTime: '2026-11-22T02:58:00Z',
        },
      ],
      ...status,
    },
  };
}

const text = (plan: WirePlan) => planView(planFacts(plan, [], NOW), { palette: plain, now: NOW }).join('\n');

describe('the plan view', () => {
  it('shows the phase, the steps with their bars, the rounds, the window and the downtime', () => {
    const out = text(syncingPlan());
    assert.match(out, /Phase\s+◐ Syncing\s+\[##########\.{10}\] 5\/10 steps/);
    assert.match(out, /◐ Sync\s+Running\s+1m00s\s+\[####\.{6}\] 2\/5 rounds\s+round 2/);
    assert.match(out, /○ CutOver\s+Pending/);
    assert.match(out, /ROUND\s+BYTES\s+SECONDS\s+RATE\n\s+1\s+764 KiB\s+5\.16s\s+148 KiB\/s/);
    assert.match(out, /Window\s+sat,sun 02:00-05:00 Europe\/Rome · open, closes Sun 2026-11-22 05:00 CET/);
    assert.match(out, /Downtime\s+projected 26\.0s \(estimate\)\s+budget 1m00s \[#########\.{11}\]/);
    assert.match(out, /db\/postgres\s+16\.2\.0 → 16\.4\.0\n\s+web\/nginx\s+1\.26\.2 \(unchanged\)/);
    assert.match(out, /Conditions\s+\(1 more Unknown\)\n\s+Ready\s+False\s+Syncing\s+copying the data/);
    assert.doesNotMatch(out, /READ|WRITTEN|RANGES|Cleanup/, 'no column or line for fields the operator did not write');
  });

  it('shows bytes read and written, the ranges source, the projection, the breakdown, the cleanup', () => {
    const out = text(
      syncingPlan({
        syncRounds: [
          { round: 1, bytes: 1048576, seconds: 2, bytesRead: 2097152, bytesWritten: 1048576, rangesSource: 'CSI' },
          { round: 2, bytes: 4096, seconds: 1, rangesSource: 'Compare' },
        ],
        cutOver: { finalRound: 2, downtime: { finalDelta: 1.5, startClone: 8, stopOriginal: 2, switchServices: 1 } },
        projection: { seconds: 75 },
        downtimeSeconds: 12.5,
        cleanup: { action: 'RemoveClone', then: 'Failed', reason: 'SyncFailed', message: 'Sync: the Job failed' },
      }),
    );
    assert.match(out, /ROUND\s+BYTES\s+SECONDS\s+RATE\s+READ\s+WRITTEN\s+RANGES/);
    assert.match(out, /1\s+1\.00 MiB\s+2\.00s\s+512 KiB\/s\s+2\.00 MiB\s+1\.00 MiB\s+CSI/);
    assert.match(out, /2 \(final\)\s+4\.00 KiB\s+1\.00s\s+4\.00 KiB\/s\s+-\s+-\s+Compare/);
    assert.match(out, /Downtime\s+measured 12\.5s\s+projected 1m15s\s+budget 1m00s/);
    assert.match(out, /stopOriginal 2\.0s · finalDelta 1\.5s · startClone 8\.0s · switchServices 1\.0s/);
    assert.match(out, /Cleanup\s+RemoveClone then Failed \(SyncFailed\): Sync: the Job failed/);
  });

  it('says when a closed window opens, in its own time zone', () => {
    const waiting = syncingPlan({ phase: 'WaitingForWindow', nextWindowStart: '2026-11-28T01:00:00Z' });
    const monday = new Date('2026-11-23T10:00:00Z');
    const out = planView(planFacts(waiting, [], monday), { palette: plain, now: monday }).join('\n');
    assert.match(out, /closed, opens Sat 2026-11-28 02:00 CET \(in 4d15h\)/);
  });

  it('cuts lines to the width of the terminal', () => {
    const lines = planView(planFacts(syncingPlan(), [], NOW), { palette: palette(true), now: NOW, width: 40 });
    for (const l of lines) assert.ok([...stripAnsi(l)].length <= 40, l);
  });
});

describe('the appliance tree', () => {
  const vm = (name: string, slot: string, extra: { plan?: string; halted?: boolean; level: string }): WireVm => ({
    metadata: {
      name,
      labels: {
        'vapp.dev/appliance': 'shop',
        'vapp.dev/member': 'db',
        'vapp.dev/slot': slot,
        ...(extra.plan ? { 'vapp.dev/plan': extra.plan } : {}),
      },
      annotations: { 'vapp.dev/levels': JSON.stringify({ postgres: extra.level }) },
    },
    spec: { runStrategy: extra.halted ? 'Halted' : 'Always', template: {} },
    status: { ready: !extra.halted, printableStatus: extra.halted ? 'Stopped' : 'Running' },
  });
  const appliance = {
    metadata: { name: 'shop', namespace: 'shop' },
    spec: {
      members: [
        {
          name: 'db',
          vm: 'shop-db',
          components: [{ name: 'postgres', level: { annotation: {} } }],
          dataVolumes: ['pgdata'],
        },
      ],
      services: ['shop-db'],
    },
    status: {
      activeSlot: 'blue',
      activePlan: 'p1',
      readyMembers: '1/1',
      conditions: [{ type: 'Ready', status: 'True', reason: 'AllMembersReady', message: '' }],
    },
  } as unknown as WireAppliance;

  it("names each VM of a member by its role: serving, the active plan's clone, a retained original", () => {
    const facts = applianceFacts({
      appliance,
      vms: [
        vm('p1-db', 'green', { plan: 'p1', level: '16.4.0' }),
        vm('shop-db', 'blue', { level: '16.2.0' }),
        vm('p0-db', 'green', { plan: 'p0', halted: true, level: '16.1.0' }),
      ],
      vmis: [],
      services: [
        { metadata: { name: 'shop-db' }, spec: { selector: { 'vapp.dev/slot': 'blue' } } },
        { metadata: { name: 'shop-db-preview' }, spec: { selector: { 'vapp.dev/slot': 'green' } } },
      ],
      plans: [
        {
          metadata: { name: 'p1', namespace: 'shop' },
          spec: { appliance: 'shop' },
          status: { phase: 'Syncing', progress: '5/9' },
        },
      ],
    });
    assert.deepEqual(
      facts.members[0]?.vms.map((v) => [v.name, v.role, v.components[0]?.level]),
      [
        ['shop-db', 'serving', '16.2.0'],
        ['p1-db', 'clone', '16.4.0'],
        ['p0-db', 'retained', '16.1.0'],
      ],
    );
    const tree = applianceTree(facts, { palette: plain }).join('\n');
    assert.match(
      tree,
      /├─ member db\s+start order 0 · data volumes pgdata\n│ {2}├─ ● shop-db\s+slot blue\s+serving\s+Running, ready\s+postgres 16\.2\.0/,
    );
    assert.match(tree, /│ {2}├─ ● p1-db\s+slot green\s+clone \(plan p1\)/);
    assert.match(tree, /│ {2}└─ ○ p0-db\s+slot green\s+retained original\s+Stopped\s+postgres 16\.1\.0/);
    assert.match(tree, /├─ shop-db → slot blue\n│ {2}└─ shop-db-preview → slot green \(preview of the clone\)/);
    assert.match(tree, /└─ active plan p1\s+◐ Syncing\s+\[######\.\.\.\.\] 5\/9/);
  });
});
