// The rollout's scheduling decisions, pure: who goes next (waves, canary, soak, order), who may take
// a cut-over slot (maxCuttingOver, maxUnavailable, the window), whether a plan may be made yet
// (prepareAhead), whether the failure budget is spent; and, by property, that no sequence of plan
// progressions ever makes the scheduler exceed its budgets or make a plan twice.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  parseMaintenanceRollout,
  type MaintenanceRollout,
  type MaintenanceRolloutSpecInput,
  type Phase,
} from '../../../../src/api/v1alpha1/index.ts';
import { resolveCountOrPercent } from '../../../../src/controllers/rollout/budget.ts';
import type { RolloutAppliance, RolloutPlan } from '../../../../src/controllers/rollout/facts.ts';
import { failureBudget } from '../../../../src/controllers/rollout/failures.ts';
import { rolloutPlanName } from '../../../../src/controllers/rollout/names.ts';
import { inRolloutOrder } from '../../../../src/controllers/rollout/order.ts';
import { schedule, isFinished } from '../../../../src/controllers/rollout/schedule.ts';
import { matchesSelector } from '../../../../src/controllers/rollout/selector.ts';
import { mayPrepare, windowOf } from '../../../../src/controllers/rollout/windows.ts';

const NOW = new Date('2026-12-02T12:00:00Z'); // a Wednesday
const MIN = 60_000;

function rollout(spec: Partial<MaintenanceRolloutSpecInput> = {}): MaintenanceRollout {
  return parseMaintenanceRollout({
    apiVersion: 'vapp.dev/v1alpha1',
    kind: 'MaintenanceRollout',
    metadata: { name: 'fleet', namespace: 'ops', uid: 'rollout-uid' },
    spec: { target: { components: [{ name: 'postgres', level: '16.4.0' }] }, ...spec },
  });
}

function appliance(name: string, more: Partial<RolloutAppliance> = {}): RolloutAppliance {
  return {
    name,
    uid: `uid-${name}`,
    labels: { app: 'shop' },
    ready: true,
    standing: { upToDate: false, components: [{ name: 'postgres', level: '16.4.0' }], onBaseImage: false },
    ...more,
  };
}

function plan(a: string, phase: Phase | undefined, more: Partial<RolloutPlan> = {}): RolloutPlan {
  return {
    name: rolloutPlanName('fleet', 1, a),
    appliance: a,
    revision: 1,
    wave: 'default',
    ...(phase ? { phase } : {}),
    cutOverHold: true,
    abort: false,
    ...more,
  };
}

const six = ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => appliance(n));
const run = (
  r: MaintenanceRollout,
  appliances: readonly RolloutAppliance[],
  plans: readonly RolloutPlan[],
  now = NOW,
) => schedule({ rollout: r, revision: 1, components: r.spec.target.components, appliances, plans, now });

describe('selectors, budgets and order', () => {
  it('matches labels and expressions as the API server does', () => {
    const labels = { app: 'shop', region: 'eu' };
    assert.equal(matchesSelector(labels, {}), true);
    assert.equal(matchesSelector(labels, { matchLabels: { region: 'eu' } }), true);
    assert.equal(matchesSelector(labels, { matchLabels: { region: 'us' } }), false);
    assert.equal(
      matchesSelector(labels, { matchExpressions: [{ key: 'region', operator: 'In', values: ['us', 'eu'] }] }),
      true,
    );
    assert.equal(
      matchesSelector(labels, { matchExpressions: [{ key: 'tier', operator: 'Exists', values: [] }] }),
      false,
    );
    assert.equal(
      matchesSelector(labels, { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist', values: [] }] }),
      true,
    );
    assert.equal(
      matchesSelector(labels, { matchExpressions: [{ key: 'region', operator: 'NotIn', values: ['eu'] }] }),
      false,
    );
  });

  it('resolves percentages rounding up, at least one unless 0%', () => {
    assert.deepEqual(
      [resolveCountOrPercent(2, 6), resolveCountOrPercent('10%', 6), resolveCountOrPercent('50%', 6)],
      [2, 1, 3],
    );
    assert.equal(resolveCountOrPercent('0%', 6), 0);
    assert.equal(resolveCountOrPercent('1%', 0), 1);
  });

  it('orders by priority label, then by a hash stable for a revision and different across revisions', () => {
    const list = [...six, appliance('z', { labels: { 'vapp.dev/rollout-priority': '1' } })];
    const first = inRolloutOrder(list, 'r', 1).map((a) => a.name);
    assert.equal(first[0], 'z');
    assert.deepEqual(
      inRolloutOrder([...list].reverse(), 'r', 1).map((a) => a.name),
      first,
      'stable',
    );
    const revisions = new Set(
      [1, 2, 3, 4, 5, 6].map((rev) =>
        inRolloutOrder(six, 'r', rev)
          .map((a) => a.name)
          .join(),
      ),
    );
    assert.ok(revisions.size > 1, 'another revision, another order');
  });
});

describe('windows', () => {
  const r = rollout({
    windows: [
      {
        name: 'eu-night',
        selector: { matchLabels: { region: 'eu' } },
        window: { startTime: '22:00', endTime: '04:00' },
      },
    ],
    defaultWindow: { startTime: '10:00', endTime: '14:00' },
  });

  it('takes the annotation, then the first matching selector, then the default', () => {
    assert.equal(windowOf({ labels: { region: 'eu' } }, r.spec).kind, 'window');
    assert.deepEqual(
      [
        windowOf({ labels: { region: 'eu' } }, r.spec),
        windowOf({ labels: { region: 'us' } }, r.spec),
        windowOf({ labels: { region: 'us' }, annotations: { 'vapp.dev/window': 'eu-night' } }, r.spec),
      ].map((w) => (w.kind === 'window' ? w.name : w.kind)),
      ['eu-night', 'default', 'eu-night'],
    );
    const bad = windowOf({ annotations: { 'vapp.dev/window': 'weekend' } }, r.spec);
    assert.equal(bad.kind, 'invalid');
    assert.match(bad.kind === 'invalid' ? bad.message : '', /"weekend".*eu-night/);
    assert.deepEqual(windowOf({}, rollout().spec), { kind: 'none' });
  });

  it('lets a plan prepare from prepareAhead before its window opens', () => {
    const opensAt = new Date(NOW.getTime() + 90 * MIN);
    assert.equal(mayPrepare({ open: false, opensAt }, NOW, 60 * MIN), false);
    assert.equal(mayPrepare({ open: false, opensAt }, NOW, 90 * MIN), true);
    assert.equal(mayPrepare({ open: true }, NOW, 0), true);
    assert.equal(mayPrepare({ open: false }, NOW, 60 * MIN), false, 'a window that never opens');
  });
});

describe('failure budget', () => {
  const ended = (phase: Phase, minutes: number) => ({ phase, endedAt: new Date(NOW.getTime() + minutes * MIN) });

  it('counts Failed and RolledBack plans beyond the acknowledged ones', () => {
    const spec = rollout().spec;
    assert.equal(failureBudget(spec, [ended('Succeeded', 1)]).exceeded, false);
    const two = [ended('Failed', 1), ended('RolledBack', 2), ended('Aborted', 3)];
    assert.deepEqual(failureBudget(spec, two), {
      count: 2,
      acknowledged: 0,
      consecutive: 2,
      allowed: 0,
      exceeded: true,
    });
    assert.equal(failureBudget({ ...spec, acknowledgedFailures: 2 }, two).exceeded, false);
    assert.equal(failureBudget({ ...spec, acknowledgedFailures: 1 }, two).exceeded, true);
    assert.equal(failureBudget({ ...spec, acknowledgedFailures: 5 }, two).acknowledged, 2, 'at most the failures');
    const countAborted = { ...spec, failurePolicy: { ...spec.failurePolicy, countAborted: true } };
    assert.equal(failureBudget(countAborted, two).count, 3);
  });

  it('counts failures in a row, reset by a success', () => {
    const spec = rollout({ failurePolicy: { maxFailures: 10, maxConsecutiveFailures: 1 } }).spec;
    assert.equal(failureBudget(spec, [ended('Failed', 1), ended('Succeeded', 2), ended('Failed', 3)]).exceeded, false);
    const inRow = failureBudget(spec, [ended('Succeeded', 1), ended('Failed', 2), ended('Failed', 3)]);
    assert.deepEqual([inRow.consecutive, inRow.exceeded], [2, true]);
  });
});

describe('schedule', () => {
  it('makes plans up to maxInFlight, held for their cut-over, and skips appliances at the target', () => {
    const r = rollout({ maxInFlight: 2 });
    const apps = [
      ...six.slice(0, 5),
      appliance('f', { standing: { upToDate: true, components: [], onBaseImage: false } }),
    ];
    const s = run(r, apps, []);
    assert.equal(s.create.length, 2);
    assert.ok(s.create.every((c) => c.name === rolloutPlanName('fleet', 1, c.appliance) && c.wave === 'default'));
    assert.equal(s.states.get('f'), 'UpToDate');
    assert.ok(!s.create.some((c) => c.appliance === 'f'));
    assert.equal(s.progress, '1/6 up to date, 0 in flight');
    // Two in flight: nothing more until one ends.
    const more = run(
      r,
      apps,
      s.create.map((c) => plan(c.appliance, 'Cloning')),
    );
    assert.deepEqual([more.create.length, more.counts.inFlight, more.progress], [0, 2, '1/6 up to date, 2 in flight']);
  });

  it('leaves held, locked and not Ready appliances alone, naming the held and locked ones', () => {
    const apps = [
      appliance('a', { annotations: { 'vapp.dev/hold': 'quarter-end freeze' } }),
      appliance('b', { activePlan: 'hand-made' }),
      appliance('c', { ready: false }),
      appliance('d'),
    ];
    const s = run(rollout({ maxInFlight: 4 }), apps, []);
    assert.deepEqual(
      s.create.map((c) => c.appliance),
      ['d'],
    );
    assert.deepEqual(s.needsAttention.map((a) => [a.appliance, a.reason]).sort(), [
      ['a', 'Held'],
      ['b', 'Locked'],
    ]);
    assert.match(s.needsAttention.find((a) => a.appliance === 'a')?.message ?? '', /quarter-end freeze/);
  });

  it('runs the canary first, waits for its soak, then the others', () => {
    const r = rollout({
      maxInFlight: 2,
      waves: [{ name: 'canary', selector: { matchLabels: { app: 'shop' } }, limit: 1, soak: '10m' }],
    });
    const first = run(r, six, []);
    assert.equal(first.create.length, 1, 'only the canary');
    assert.equal(first.create[0]?.wave, 'canary');
    const canary = first.create[0]?.appliance ?? '';
    assert.deepEqual(
      first.waves.map((w) => [w.name, w.state, w.appliances]),
      [
        ['canary', 'Progressing', 1],
        ['default', 'Pending', 5],
      ],
    );
    const endedAt = new Date(NOW.getTime() - 5 * MIN);
    const done = plan(canary, 'Succeeded', { wave: 'canary', endedAt });
    const soaking = run(r, six, [done]);
    assert.deepEqual([soaking.phase, soaking.create.length], ['Soaking', 0]);
    assert.equal(soaking.waves[0]?.soakUntil, '2026-12-02T12:05:00Z');
    assert.equal(soaking.wakeAt?.toISOString(), '2026-12-02T12:05:00.000Z');
    const after = run(r, six, [done], new Date(NOW.getTime() + 6 * MIN));
    assert.equal(after.create.length, 2);
    assert.ok(after.create.every((c) => c.wave === 'default' && c.appliance !== canary));
    assert.equal(after.currentWave, 'default');
  });

  it('waits for a manual wave to be approved', () => {
    const waves = [{ name: 'canary', selector: {}, limit: 1, approval: 'Manual' as const }];
    const s = run(rollout({ waves }), six, []);
    assert.deepEqual([s.phase, s.create.length], ['AwaitingApproval', 0]);
    assert.equal(run(rollout({ waves, approvedWaves: ['canary'] }), six, []).create.length, 1);
  });

  it('gives cut-over slots up to maxCuttingOver and maxUnavailable, in the open window only', () => {
    const r = rollout({ maxInFlight: 4, maxCuttingOver: 1, maxUnavailable: 2 });
    const waiting = ['a', 'b', 'c'].map((n) => plan(n, 'WaitingForCutOverSlot'));
    assert.equal(run(r, six, waiting).grant.length, 1);
    const cutting = [plan('d', 'CuttingOver', { cutOverHold: false }), ...waiting];
    assert.deepEqual(run(r, six, cutting).grant, [], 'the one slot is taken');
    const two = rollout({ maxInFlight: 4, maxCuttingOver: 3, maxUnavailable: 2 });
    const apps = six.map((a) => (a.name === 'e' ? { ...a, ready: false } : a));
    assert.equal(run(two, apps, cutting).grant.length, 0, 'e down and d cutting over: 2 unavailable already');
    assert.equal(run(two, six, cutting).grant.length, 1);
    // A closed window: no slot, the next window reported.
    const closed = ['a', 'b'].map((n) =>
      plan(n, 'WaitingForCutOverSlot', {
        window: { days: ['sat'], startTime: '02:00', endTime: '05:00', timeZone: 'UTC' },
      }),
    );
    const s = run(r, six, closed);
    assert.deepEqual(s.grant, []);
    assert.equal(s.nextWindowStart, '2026-12-05T02:00:00Z');
    assert.equal(s.counts.waitingForWindow, 2);
  });

  it('prepares ahead of a closed window, not earlier', () => {
    const r = rollout({
      maxInFlight: 6,
      prepareAhead: '2h',
      windows: [
        {
          name: 'evening',
          selector: { matchLabels: { group: 'evening' } },
          window: { startTime: '13:00', endTime: '15:00' },
        },
        {
          name: 'night',
          selector: { matchLabels: { group: 'night' } },
          window: { startTime: '22:00', endTime: '23:00' },
        },
      ],
    });
    const apps = [
      appliance('soon', { labels: { app: 'shop', group: 'evening' } }),
      appliance('late', { labels: { app: 'shop', group: 'night' } }),
    ];
    const s = run(r, apps, []);
    assert.deepEqual(
      s.create.map((c) => [c.appliance, c.window?.startTime]),
      [['soon', '13:00']],
    );
    assert.equal(s.wakeAt?.toISOString(), '2026-12-02T20:00:00.000Z');
  });

  it('takes appliances whose window is open before those still waiting for theirs', () => {
    const r = rollout({
      maxInFlight: 2,
      prepareAhead: '24h',
      windows: [
        {
          name: 'later',
          selector: { matchLabels: { group: 'later' } },
          window: { startTime: '15:00', endTime: '16:00' },
        },
      ],
    });
    const apps = ['a', 'b', 'c', 'd'].map((n, i) =>
      appliance(n, { labels: { app: 'shop', ...(i < 3 ? { group: 'later' } : {}) } }),
    );
    assert.deepEqual(run(r, apps, []).create.map((c) => c.appliance)[0], 'd');
    assert.equal(run(r, apps, []).create.length, 2, 'then one that prepares ahead of its window');
  });

  it('pauses on failures beyond the budget, naming them, and resumes once acknowledged', () => {
    const r = rollout({ maxInFlight: 2, failurePolicy: { maxFailures: 1 } });
    const endedAt = new Date(NOW.getTime() - MIN);
    const plans = [
      plan('a', 'Failed', { endedAt, message: 'verify: GET /healthz 503' }),
      plan('b', 'RolledBack', { endedAt, message: 'observe check failed' }),
      plan('c', 'WaitingForCutOverSlot'),
    ];
    const paused = run(r, six, plans);
    assert.equal(paused.phase, 'Paused');
    assert.deepEqual([paused.create, paused.grant], [[], []]);
    assert.deepEqual(
      paused.needsAttention.map((a) => [a.appliance, a.reason, a.message]),
      [
        ['a', 'Failed', 'verify: GET /healthz 503'],
        ['b', 'RolledBack', 'observe check failed'],
      ],
    );
    assert.match(paused.message, /2 unacknowledged failure\(s\) \(a, b\).*acknowledgedFailures to 2/);
    const resumed = run(
      rollout({ maxInFlight: 2, failurePolicy: { maxFailures: 1 }, acknowledgedFailures: 2 }),
      six,
      plans,
    );
    assert.equal(resumed.phase, 'Progressing');
    assert.deepEqual(resumed.grant, [plans[2]?.name]);
    assert.equal(resumed.create.length, 1);
    assert.equal(resumed.progress, '0/6 up to date, 1 in flight, 2 failed');
  });

  it('RollBackWave: pauses and rolls back the failed wave while its originals are retained, naming those it cannot', () => {
    const r = rollout({
      maxInFlight: 3,
      waves: [{ name: 'canary', selector: { matchLabels: { 'vapp.dev/canary': 'true' } }, limit: 1 }],
      failurePolicy: { maxFailures: 0, action: 'RollBackWave' },
    });
    const endedAt = new Date(NOW.getTime() - MIN);
    const plans = [
      // The canary wave went well: it is not rolled back.
      plan('a', 'Succeeded', { wave: 'canary', endedAt, originalRetained: true }),
      plan('b', 'Succeeded', { endedAt, originalRetained: true }),
      plan('c', 'Succeeded', { endedAt, originalRetained: false }),
      plan('d', 'Observing', { cutOverHold: false }),
      plan('e', 'RolledBack', { endedAt, message: 'observe check failed' }),
      plan('f', 'WaitingForCutOverSlot'),
    ];
    const s = run(r, six, plans);
    assert.equal(s.phase, 'Paused');
    assert.deepEqual([s.create, s.grant, s.abort], [[], [], []], 'no new plan, no slot; the held plan stays held');
    assert.deepEqual(s.rollBack, [plans[1]?.name, plans[3]?.name]);
    assert.deepEqual(
      s.needsAttention.map((x) => [x.appliance, x.reason]),
      [
        ['c', 'CannotRollBack'],
        ['e', 'RolledBack'],
      ],
    );
    assert.match(s.message, /RollBackWave: the plans of wave\(s\) default/);

    // Once rolled back at the rollout's request, they are asked no more and count as no failure.
    const after = plans.map((p) =>
      p.appliance === 'b' || p.appliance === 'd'
        ? { ...p, phase: 'RolledBack' as const, rollbackNow: true, endedAt }
        : p,
    );
    const again = run(r, six, after);
    assert.deepEqual(again.rollBack, []);
    assert.equal(again.failures.count, 1, 'only e failed; b and d were rolled back on request');
    assert.equal(again.counts.rolledBack, 3);
    const acknowledged = run(
      rollout({ ...r.spec, failurePolicy: { maxFailures: 0, action: 'RollBackWave' }, acknowledgedFailures: 1 }),
      six,
      after,
    );
    assert.equal(acknowledged.phase, 'Progressing');
    assert.deepEqual(acknowledged.rollBack, []);
    assert.deepEqual(acknowledged.grant, [plans[5]?.name]);
  });

  it('Pause and Continue roll nothing back', () => {
    const endedAt = new Date(NOW.getTime() - MIN);
    const plans = [plan('a', 'Succeeded', { endedAt, originalRetained: true }), plan('b', 'Failed', { endedAt })];
    for (const action of ['Pause', 'Continue'] as const)
      assert.deepEqual(run(rollout({ failurePolicy: { action } }), six, plans).rollBack, [], action);
  });

  it('stops on suspend, aborts the plans that have not cut over on abort', () => {
    const plans = [plan('a', 'Syncing'), plan('b', 'Observing', { cutOverHold: false })];
    const suspended = run(rollout({ maxInFlight: 4, suspend: true }), six, plans);
    assert.deepEqual([suspended.phase, suspended.create.length, suspended.abort], ['Suspended', 0, []]);
    const aborted = run(rollout({ maxInFlight: 4, abort: true }), six, plans);
    assert.deepEqual([aborted.phase, aborted.create.length, aborted.abort], ['Aborted', 0, [plans[0]?.name]]);
  });

  it('completes once every selected appliance is up to date', () => {
    const endedAt = new Date(NOW.getTime() - MIN);
    const s = run(
      rollout(),
      six.slice(0, 2),
      ['a', 'b'].map((n) => plan(n, 'Succeeded', { endedAt })),
    );
    assert.deepEqual([s.phase, s.progress], ['Completed', '2/2 up to date, 0 in flight']);
  });
});

describe('schedule, by property: budgets hold and no plan is made twice, whatever the plans do', () => {
  type Step = { readonly pick: number; readonly outcome: 'advance' | 'fail' };
  const NEXT: Partial<Record<Phase, Phase>> = {
    Pending: 'Cloning',
    Cloning: 'Syncing',
    Syncing: 'WaitingForCutOverSlot',
    CuttingOver: 'Observing',
    Observing: 'Succeeded',
    RollingBack: 'RolledBack',
  };

  it('never more than maxInFlight unfinished, maxCuttingOver holding a slot, one plan per appliance', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 1, max: 8 }),
        fc.array(
          fc.record({ pick: fc.nat(20), outcome: fc.constantFrom<'advance' | 'fail'>('advance', 'advance', 'fail') }),
          {
            maxLength: 80,
          },
        ),
        (maxInFlight, maxCuttingOver, fleet, steps: Step[]) => {
          const r = rollout({
            maxInFlight,
            maxCuttingOver,
            maxUnavailable: '100%',
            failurePolicy: { maxFailures: 100, action: 'Continue' },
            waves: [{ name: 'canary', selector: {}, limit: 1 }],
          });
          const apps = Array.from({ length: fleet }, (_, i) => appliance(`app-${String(i)}`));
          const plans = new Map<string, RolloutPlan>();
          let minute = 0;
          const check = () => {
            const all = [...plans.values()];
            assert.ok(all.filter((p) => !isFinished(p)).length <= maxInFlight, 'maxInFlight');
            assert.ok(all.filter((p) => !isFinished(p) && !p.cutOverHold).length <= maxCuttingOver, 'maxCuttingOver');
          };
          for (const step of [
            ...steps,
            ...Array.from({ length: 200 }, (_, i) => ({ pick: i, outcome: 'advance' as const })),
          ]) {
            const s = run(r, apps, [...plans.values()], new Date(NOW.getTime() + minute * MIN));
            for (const c of s.create) {
              assert.ok(!plans.has(c.name), `made ${c.name} twice`);
              plans.set(c.name, plan(c.appliance, 'Pending', { wave: c.wave }));
            }
            for (const g of s.grant) {
              const p = plans.get(g);
              if (p) plans.set(g, { ...p, cutOverHold: false });
            }
            check();
            const live = [...plans.values()].filter((p) => !isFinished(p));
            const p = live[step.pick % Math.max(1, live.length)];
            minute++;
            if (p === undefined) continue;
            const endedAt = new Date(NOW.getTime() + minute * MIN);
            let phase: Phase | undefined;
            if (step.outcome === 'fail') phase = p.cutOverHold ? 'Failed' : 'RollingBack';
            else if (p.phase === 'WaitingForCutOverSlot') phase = p.cutOverHold ? undefined : 'CuttingOver';
            else phase = NEXT[p.phase ?? 'Pending'];
            if (phase !== undefined)
              plans.set(p.name, {
                ...p,
                phase,
                ...(phase === 'Succeeded' || phase === 'Failed' || phase === 'RolledBack' ? { endedAt } : {}),
              });
            check();
          }
          // Every appliance got exactly one plan, and all ended.
          assert.equal(plans.size, fleet);
          assert.ok([...plans.values()].every(isFinished));
        },
      ),
      { numRuns: 200 },
    );
  });
});
