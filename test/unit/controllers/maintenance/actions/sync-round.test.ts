import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { roundStartOverdue } from '../../../../../src/controllers/maintenance/actions/sync-round.ts';

describe('sync: a round that does not start', () => {
  const at = (now: string, stepStartedAt: string, snapshotCreated: string | undefined) =>
    roundStartOverdue({
      now: new Date(now),
      stepStartedAt: new Date(stepStartedAt),
      snapshotCreated,
      timeoutMs: 15 * 60_000,
    });

  it('is overdue once the step timeout has passed since its snapshot was created', () => {
    assert.equal(
      at('2026-11-30T03:15:00Z', '2026-11-30T03:00:00Z', '2026-11-30T03:00:00Z'),
      false,
      'exactly the timeout',
    );
    assert.equal(at('2026-11-30T03:15:01Z', '2026-11-30T03:00:00Z', '2026-11-30T03:00:00Z'), true);
    assert.equal(
      at('2026-11-30T03:20:00Z', '2026-11-30T03:00:00Z', '2026-11-30T03:10:00Z'),
      false,
      'a later round counts from its own snapshot',
    );
  });

  it('counts from the step start when the API server clock is behind the operator', () => {
    assert.equal(at('2026-11-30T03:10:00Z', '2026-11-30T03:00:00Z', '2026-11-29T20:00:00Z'), false);
    assert.equal(at('2026-11-30T03:16:00Z', '2026-11-30T03:00:00Z', '2026-11-29T20:00:00Z'), true);
  });

  it('is not overdue before its snapshot exists', () => {
    assert.equal(at('2026-12-01T00:00:00Z', '2026-11-30T03:00:00Z', undefined), false);
  });
});
