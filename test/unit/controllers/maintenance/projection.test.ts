// The downtime projected from the pre-copy rounds, and the budget decision it drives.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SyncRound } from '../../../../src/api/v1alpha1/index.ts';
import {
  BOOT_SECONDS,
  STOP_SECONDS,
  budgetDecision,
  projectDowntime,
} from '../../../../src/controllers/maintenance/projection.ts';

const MiB = 2 ** 20;
const round = (n: number, written: number, read: number, seconds: number): SyncRound => ({
  round: n,
  bytes: written,
  bytesWritten: written,
  bytesRead: read,
  seconds,
});

describe('projectDowntime', () => {
  it('fits a fixed cost per round and a rate, and projects the final delta without the fixed cost', () => {
    // seconds = 2 + moved / 100 MiB/s
    const rounds = [round(1, 300 * MiB, 300 * MiB, 2 + 6), round(2, 50 * MiB, 50 * MiB, 2 + 1)];
    const p = projectDowntime({ rounds, measuredStartSeconds: 4, startOrderGroups: 2, budgetSeconds: 30 });
    assert.ok(p);
    assert.equal(p.roundFixedSeconds, 2);
    assert.equal(p.bytesPerSecond, 100 * MiB);
    assert.equal(p.finalDeltaSeconds, 1, 'what round 2 moved, at the rate');
    assert.equal(p.seconds, STOP_SECONDS + 1 + 4);
    assert.equal(p.startMeasured, true);
    assert.equal(p.fromRound, 2);
  });

  it('uses the default boot per start-order group until the start is measured, and nothing before a round', () => {
    const p = projectDowntime({ rounds: [round(1, MiB, MiB, 1)], startOrderGroups: 3, budgetSeconds: 60 });
    assert.equal(p?.startSeconds, 3 * BOOT_SECONDS);
    assert.equal(p?.startMeasured, false);
    assert.equal(projectDowntime({ rounds: [], startOrderGroups: 1, budgetSeconds: 60 }), undefined);
  });

  it('does not fit rounds of the same size (compare mode): the whole round time counts', () => {
    const size = 1024 * MiB;
    const rounds = [round(1, 10 * MiB, 2 * size, 20), round(2, 2 * MiB, 2 * size, 21)];
    const p = projectDowntime({ rounds, measuredStartSeconds: 0, startOrderGroups: 1, budgetSeconds: 60 });
    assert.equal(p?.roundFixedSeconds, 0);
    assert.ok((p?.finalDeltaSeconds ?? 0) > 19, 'a compare round reads both volumes whole: no shrinking');
  });
});

describe('budgetDecision', () => {
  const projection = (seconds: number, budgetSeconds = 30) => ({
    seconds,
    stopSeconds: 5,
    finalDeltaSeconds: seconds - 10,
    startSeconds: 5,
    startMeasured: true,
    roundFixedSeconds: 1,
    bytesPerSecond: 1,
    budgetSeconds,
    fromRound: 2,
  });

  it('fits, shrinks (another round), or cannot fit with the projection and the budget in the message', () => {
    assert.deepEqual(budgetDecision(projection(25), projection(80), 3), { kind: 'fits' });
    assert.deepEqual(budgetDecision(projection(50), projection(80), 3), { kind: 'shrinking' });
    assert.deepEqual(budgetDecision(projection(50), undefined, 3), { kind: 'shrinking' });
    const stalled = budgetDecision(projection(50), projection(52), 3);
    assert.equal(stalled.kind, 'cannotFit');
    assert.match(
      stalled.kind === 'cannotFit' ? stalled.message : '',
      /projected downtime 50 s exceeds downtimeBudgetSeconds 30 s and it no longer shrinks/,
    );
    const noneLeft = budgetDecision(projection(50), projection(80), 0);
    assert.match(noneLeft.kind === 'cannotFit' ? noneLeft.message : '', /no pre-copy round is left/);
  });
});
