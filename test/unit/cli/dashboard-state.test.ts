import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dashboardState } from '../../../src/cli/dashboard/state.ts';
import type { WirePlan } from '../../../src/cli/wire.ts';

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
});
