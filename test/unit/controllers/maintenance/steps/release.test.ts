import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { originalRetained, releaseAt } from '../../../../../src/controllers/maintenance/steps/release.ts';

const DAY_MS = 86_400_000;
const status = (s: { cutOver?: { servicesSwitchedAt?: string }; rollback?: object }) =>
  ({ steps: [], syncRounds: [], conditions: [], ...s }) as unknown as Parameters<typeof originalRetained>[0];

describe('release: how long the original is kept', () => {
  const switched = '2026-11-22T03:00:00Z';

  it('releases retainOriginalFor after the Services moved; nothing before the cut-over', () => {
    assert.equal(
      releaseAt(status({ cutOver: { servicesSwitchedAt: switched } }), 90 * 60_000)?.toISOString(),
      '2026-11-22T04:30:00.000Z',
    );
    assert.equal(releaseAt(status({}), DAY_MS), undefined);
  });

  it('keeps the original for a rollback until then, unless a rollback already started', () => {
    const cutOver = { servicesSwitchedAt: switched };
    assert.equal(originalRetained(status({ cutOver }), DAY_MS, new Date('2026-11-23T02:59:59Z')), true);
    assert.equal(
      originalRetained(status({ cutOver }), DAY_MS, new Date('2026-11-23T03:00:00Z')),
      false,
      'the release may have begun',
    );
    assert.equal(
      originalRetained(
        status({ cutOver, rollback: { cloneStoppedAt: switched } }),
        DAY_MS,
        new Date('2026-11-22T04:00:00Z'),
      ),
      false,
    );
    assert.equal(
      originalRetained(status({}), DAY_MS, new Date('2026-11-22T04:00:00Z')),
      false,
      'not cut over: nothing to roll back to',
    );
  });
});
