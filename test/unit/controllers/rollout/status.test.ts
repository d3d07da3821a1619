// The status that records a new revision: it must not keep saying what the previous revision
// reached (Completed, Ready) until the next pass schedules the new one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MaintenanceRolloutStatus } from '../../../../src/api/v1alpha1/index.ts';
import { newRevisionStatus } from '../../../../src/controllers/rollout/status.ts';

const now = new Date('2026-12-02T07:00:00Z');
const target = { components: [], baseImage: { image: 'golden-images/fedora', version: 'sha256:bbbb' } };

describe('newRevisionStatus', () => {
  it('turns a Completed revision into a Progressing new one, Ready False', () => {
    const completed: MaintenanceRolloutStatus = {
      ...newRevisionStatus(undefined, { number: 1, hash: 'h1', target }, 'revision 1', 1, now),
      phase: 'Completed',
      progress: '3/3 up to date, 0 in flight',
      conditions: [
        { type: 'Ready', status: 'True', reason: 'Completed', message: '', lastTransitionTime: now.toISOString() },
      ],
    };
    const next = newRevisionStatus(completed, { number: 2, hash: 'h2', target }, 'revision 2: fedora 40.2', 1, now);
    assert.equal(next.revision, 2);
    assert.equal(next.targetHash, 'h2');
    assert.equal(next.phase, 'Progressing');
    const ready = next.conditions.find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'False');
    assert.equal(next.conditions.find((c) => c.type === 'Reconciling')?.status, 'True');
    assert.equal(next.conditions.find((c) => c.type === 'Reconciling')?.message, 'revision 2: fedora 40.2');
  });

  it('starts a first status from nothing', () => {
    const first = newRevisionStatus(undefined, { number: 1, hash: 'h1', target }, 'revision 1', undefined, now);
    assert.equal(first.revision, 1);
    assert.equal(first.phase, 'Progressing');
    assert.equal(first.counts.selected, 0);
    assert.deepEqual(first.inFlight, []);
  });
});
