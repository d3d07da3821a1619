import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { MaintenancePlan, VirtualAppliance } from '../../../../src/api/v1alpha1/index.ts';
import { nextInLine, plansToWake } from '../../../../src/controllers/maintenance/wakeups.ts';

const plan = (name: string, created: string, extra: { phase?: string; suspend?: boolean } = {}): MaintenancePlan =>
  ({
    metadata: { name, namespace: 'shop', creationTimestamp: created },
    spec: { appliance: 'shop', ...(extra.suspend ? { suspend: true } : {}) },
    ...(extra.phase ? { status: { phase: extra.phase } } : {}),
  }) as unknown as MaintenancePlan;
const appliance = (activePlan: string): VirtualAppliance =>
  ({ metadata: { name: 'shop', namespace: 'shop' }, status: { activePlan } }) as unknown as VirtualAppliance;
const names = (ps: readonly MaintenancePlan[]) => ps.map((p) => p.metadata.name).sort();

describe('plansToWake', () => {
  const running = plan('p0', '2026-01-01T00:00:00Z', { phase: 'Syncing' });
  const queued = Array.from({ length: 50 }, (_, i) =>
    plan(`q${String(i).padStart(2, '0')}`, `2026-01-01T00:${String(10 + (i % 40)).padStart(2, '0')}:00Z`),
  );
  const done = plan('old', '2025-12-01T00:00:00Z', { phase: 'Succeeded' });

  it('wakes the holder of the lock and no queued plan while it is held', () => {
    assert.deepEqual(names(plansToWake(appliance('p0'), [running, ...queued, done])), ['old', 'p0']);
  });

  it('wakes exactly one queued plan, the oldest, when the lock is free', () => {
    const woken = plansToWake(appliance(''), [...queued, done]);
    assert.deepEqual(names(woken), ['old', 'q00']);
    assert.equal(nextInLine(queued)?.metadata.name, 'q00');
  });

  it('skips a suspended plan for the next in line (ties broken by name)', () => {
    const a = plan('a', '2026-01-01T00:00:00Z', { suspend: true });
    const b = plan('b', '2026-01-01T00:00:01Z');
    const c = plan('c', '2026-01-01T00:00:01Z');
    assert.deepEqual(names(plansToWake(appliance(''), [c, b, a])), ['b']);
  });
});
