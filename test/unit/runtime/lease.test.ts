import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decideLease, microTime, observe, renewDeadlinePassed } from '../../../src/runtime/lease.ts';

describe('lease decisions', () => {
  const held = { holderIdentity: 'a', leaseDurationSeconds: 4, leaseTransitions: 2 };

  it('renews its own lease and acquires a released one at once', () => {
    assert.deepEqual(decideLease(observe(undefined, held, '10', 0), 'a', 0), { action: 'renew' });
    assert.deepEqual(decideLease(observe(undefined, { ...held, holderIdentity: '' }, '11', 0), 'b', 0), {
      action: 'acquire',
      transitions: 3,
    });
  });

  it('waits for another holder until leaseDuration after the record was first seen unchanged', () => {
    let obs = observe(undefined, held, '10', 1000);
    assert.deepEqual(decideLease(obs, 'b', 4999), { action: 'wait', holder: 'a', expiresAt: 5000 });
    obs = observe(obs, held, '10', 3000); // same resourceVersion: the clock keeps running
    assert.equal(decideLease(obs, 'b', 5000).action, 'acquire');
    obs = observe(obs, held, '12', 4000); // renewed: the clock restarts
    assert.equal(decideLease(obs, 'b', 5000).action, 'wait');
    assert.equal(decideLease(obs, 'b', 8000).action, 'acquire');
  });

  it('tells a leader to step down once the renew deadline has passed', () => {
    assert.ok(!renewDeadlinePassed(1000, 2500, 3499));
    assert.ok(renewDeadlinePassed(1000, 2500, 3500));
  });

  it('writes Lease times as MicroTime: six fractional digits', () => {
    assert.equal(microTime(Date.UTC(2026, 11, 2, 6, 55, 1, 234)), '2026-12-02T06:55:01.234000Z');
  });
});
