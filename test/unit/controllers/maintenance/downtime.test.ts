// The cut-over's downtime broken down from its recorded timestamps.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { downtimeBreakdown } from '../../../../src/controllers/maintenance/downtime.ts';

describe('downtimeBreakdown', () => {
  const times = {
    originalStoppedAt: '2026-12-02T03:00:00.000Z',
    originalsDownAt: '2026-12-02T03:00:02.500Z',
    finalDeltaAt: '2026-12-02T03:00:03.000Z',
    cloneReadyAt: '2026-12-02T03:00:09.000Z',
    servicesSwitchedAt: '2026-12-02T03:00:09.200Z',
  };
  const sum = (b: Record<string, number>) => Math.round(Object.values(b).reduce((a, v) => a + v, 0) * 1000) / 1000;

  it('splits the downtime into parts that add up to it', () => {
    const b = downtimeBreakdown({ ...times, cloneRunningAt: '2026-12-02T03:00:05.000Z' });
    assert.deepEqual(b, { stopOriginal: 2.5, finalDelta: 0.5, startClone: 2, ready: 4, switchServices: 0.2 });
    assert.equal(sum(b), 9.2);
  });

  it('counts the start as ready when the clone reported no Running time, or one outside the cut-over', () => {
    for (const cloneRunningAt of [undefined, '2026-12-02T02:59:00.000Z', '2026-12-02T03:01:00.000Z']) {
      const b = downtimeBreakdown({ ...times, cloneRunningAt });
      assert.equal(b.startClone, 0);
      assert.equal(b.ready, 6);
      assert.equal(sum(b), 9.2);
    }
  });
});
