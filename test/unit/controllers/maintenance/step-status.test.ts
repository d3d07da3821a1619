import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deadlineFrom } from '../../../../src/controllers/maintenance/step-status.ts';

describe('deadlineFrom', () => {
  const started = new Date('2026-11-22T01:00:00Z');
  const reconciling = (status: 'True' | 'False', lastTransitionTime: string) => [
    { type: 'Reconciling', status, lastTransitionTime },
  ];

  it('counts from the step start while the plan works without a break', () => {
    assert.deepEqual(deadlineFrom(started, reconciling('True', '2026-11-22T00:55:00Z')), started);
    assert.deepEqual(deadlineFrom(started, []), started);
  });

  it('counts from the resumption when the plan went back to work after the step started (a suspension)', () => {
    assert.deepEqual(
      deadlineFrom(started, reconciling('True', '2026-11-22T09:00:00Z')),
      new Date('2026-11-22T09:00:00Z'),
    );
  });

  it('ignores a pause still going on, and a step not started', () => {
    assert.deepEqual(deadlineFrom(started, reconciling('False', '2026-11-22T09:00:00Z')), started);
    assert.equal(deadlineFrom(undefined, reconciling('True', '2026-11-22T09:00:00Z')), undefined);
  });
});
