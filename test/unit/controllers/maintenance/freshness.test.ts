// When a plan waiting for its window runs a fresh pre-copy round.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SyncRound } from '../../../../src/api/v1alpha1/index.ts';
import { freshRoundDue, writeRate } from '../../../../src/controllers/maintenance/freshness.ts';

const MiB = 2 ** 20;
const round = (n: number, bytes: number, finishedAt: string, seconds = 10): SyncRound => ({
  round: n,
  bytes,
  seconds,
  finishedAt,
});

describe('freshRoundDue', () => {
  const rounds = [round(1, 500 * MiB, '2026-12-02T10:00:00Z'), round(2, 10 * MiB, '2026-12-02T10:01:40Z')];

  it('measures the write rate from the last two rounds', () => {
    assert.equal(writeRate(rounds), (10 * MiB) / 100);
    assert.equal(writeRate(rounds.slice(0, 1)), undefined);
  });

  it('is due once the writes since the last round exceed convergedBelow, at the measured pace', () => {
    const at = (t: string) =>
      freshRoundDue({
        now: new Date(t),
        rounds,
        convergedBelowBytes: 64 * MiB,
        opensAt: new Date('2026-12-03T03:00:00Z'),
      });
    assert.equal(at('2026-12-02T10:10:00Z'), undefined, '500 s at 0.1 MiB/s: 50 MiB');
    assert.match(at('2026-12-02T10:13:00Z') ?? '', /since round 2 .* more than convergedBelow/);
  });

  it('is due shortly before the window opens, once, and never without a round to start from', () => {
    const one = rounds.slice(0, 1);
    const opensAt = new Date('2026-12-03T03:00:00Z');
    const due = (now: string, r: readonly SyncRound[] = one) =>
      freshRoundDue({ now: new Date(now), rounds: r, convergedBelowBytes: 64 * MiB, opensAt });
    assert.equal(due('2026-12-03T02:55:00Z'), undefined, 'five minutes before: not yet');
    assert.match(due('2026-12-03T02:59:30Z') ?? '', /window opens in 30 s/);
    const fresh = [...one, round(2, MiB, '2026-12-03T02:59:40Z')];
    assert.equal(due('2026-12-03T02:59:50Z', fresh), undefined, 'the fresh round was just made');
    assert.equal(due('2026-12-03T02:59:30Z', []), undefined);
  });
});
