import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dashboardState } from '../../../src/cli/dashboard/state.ts';
import type { WirePlan, WireRollout } from '../../../src/cli/wire.ts';

const NOW = new Date('2026-11-22T03:00:00Z');

describe('the dashboard state', () => {
  it('says for each plan which requests the operator would honour now, and why not the others', () => {
    const awaiting = {
      metadata: { name: 'p1', namespace: 'shop', creationTimestamp: '2026-11-22T02:59:00Z' },
      spec: { appliance: 'shop', approval: 'Manual', suspend: false, abort: false, rollbackNow: false },
      status: { phase: 'AwaitingApproval', steps: [], preview: { hash: 'abc', updates: [], unchanged: [] } },
    } as WirePlan;
    const state = dashboardState(
      {
        context: 'ctx',
        namespace: 'shop',
        appliances: [],
        plans: [awaiting],
        vms: [],
        vmis: [],
        services: [],
        events: [],
      },
      NOW,
    );
    const actions = state.plans[0]?.actions;
    assert.deepEqual(
      Object.entries(actions ?? {}).map(([a, s]) => [a, s.allowed]),
      [
        ['approve', true],
        ['abort', true],
        ['suspend', true],
        ['resume', false],
        ['rollback', false],
      ],
    );
    assert.match(actions?.rollback?.message ?? '', /has not cut over yet/);
    assert.equal(state.plans[0]?.preview?.hash, 'abc');
  });

  it('shows each rollout with its waves, budgets and what needs attention, and the requests that apply to it', () => {
    const paused = {
      metadata: { name: 'shops', namespace: 'shop', creationTimestamp: '2026-11-22T01:00:00Z' },
      spec: {
        target: { components: [{ name: 'postgres', level: '16.4.0' }] },
        waves: [{ name: 'eu', selector: {}, approval: 'Manual' }],
        maxInFlight: 2,
        maxCuttingOver: 1,
        maxUnavailable: 1,
        acknowledgedFailures: 0,
      },
      status: {
        phase: 'Paused',
        revision: 1,
        counts: { selected: 4, upToDate: 2, inFlight: 1, failed: 1 },
        waves: [{ name: 'eu', state: 'Progressing', appliances: 4, upToDate: 2 }],
        currentWave: 'eu',
        inFlight: [{ appliance: 'shop-d', plan: 'shops-r1-shop-d', phase: 'Cloning', wave: 'eu', cutOverSlot: false }],
        needsAttention: [{ appliance: 'shop-b', plan: 'shops-r1-shop-b', reason: 'Failed', message: 'Verify failed' }],
        failures: { count: 1, acknowledged: 0, allowed: 0, exceeded: true },
      },
    } as WireRollout;
    const event = {
      metadata: { namespace: 'shop' },
      involvedObject: { kind: 'MaintenanceRollout', name: 'shops' },
      type: 'Warning',
      reason: 'Paused',
      message: 'the failure budget is spent',
      lastTimestamp: '2026-11-22T02:59:00Z',
    };
    const state = dashboardState(
      {
        context: 'ctx',
        namespace: 'shop',
        appliances: [],
        plans: [],
        rollouts: [paused],
        vms: [],
        vmis: [],
        services: [],
        events: [event],
      },
      NOW,
    );
    const r = state.rollouts[0];
    assert.ok(r);
    assert.equal(r.kind, 'MaintenanceRollout');
    assert.deepEqual(
      [r.phase, r.counts.upToDate, r.counts.selected, r.budgets.inFlight, r.failures.exceeded],
      ['Paused', 2, 4, { used: 1, allowed: 2 }, true],
    );
    assert.deepEqual(
      r.needsAttention.map((a) => [a.appliance, a.reason]),
      [['shop-b', 'Failed']],
    );
    assert.deepEqual(
      r.waves.map((w) => [w.name, w.state, w.awaitingApproval]),
      [['eu', 'Progressing', false]],
    );
    assert.deepEqual(
      r.events.map((e) => e.reason),
      ['Paused'],
    );
    assert.deepEqual(
      Object.entries(r.actions).map(([a, s]) => [a, s.allowed]),
      [
        ['approve', false],
        ['abort', true],
        ['suspend', true],
        ['resume', false],
        ['acknowledge', true],
      ],
    );
    assert.match(r.actions.resume?.message ?? '', /paused by its failure policy/);
    assert.equal(r.waveAwaitingApproval, undefined);
  });
});
