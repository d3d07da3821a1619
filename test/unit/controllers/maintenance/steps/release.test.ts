import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { originalRetained, releaseAt } from '../../../../../src/controllers/maintenance/steps/release.ts';

const plan = (status: { cutOver?: { servicesSwitchedAt?: string }; rollback?: object }, retainOriginalFor = '24h') =>
  ({
    spec: { rollback: { automatic: true, observeSeconds: 600, retainOriginalFor } },
    status: { steps: [], syncRounds: [], conditions: [], ...status },
  }) as unknown as Parameters<typeof originalRetained>[0];

describe('release: how long the original is kept', () => {
  const switched = '2026-11-22T03:00:00Z';

  it('releases retainOriginalFor after the Services moved; nothing before the cut-over', () => {
    assert.equal(
      releaseAt(plan({ cutOver: { servicesSwitchedAt: switched } }, '90m'))?.toISOString(),
      '2026-11-22T04:30:00.000Z',
    );
    assert.equal(releaseAt(plan({})), undefined);
  });

  it('keeps the original for a rollback until then, unless a rollback already started', () => {
    const cutOver = { servicesSwitchedAt: switched };
    assert.equal(originalRetained(plan({ cutOver }), new Date('2026-11-23T02:59:59Z')), true);
    assert.equal(
      originalRetained(plan({ cutOver }), new Date('2026-11-23T03:00:00Z')),
      false,
      'the release may have begun',
    );
    assert.equal(
      originalRetained(plan({ cutOver, rollback: { cloneStoppedAt: switched } }), new Date('2026-11-22T04:00:00Z')),
      false,
    );
    assert.equal(
      originalRetained(plan({}), new Date('2026-11-22T04:00:00Z')),
      false,
      'not cut over: nothing to roll back to',
    );
  });
});
