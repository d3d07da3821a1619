import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  conditionsEqual,
  getCondition,
  readKStatus,
  setCondition,
  setKStatus,
} from '../../../src/runtime/conditions.ts';

const t0 = new Date('2026-11-01T10:00:00.123Z');
const t1 = new Date('2026-11-01T11:00:00Z');

describe('conditions', () => {
  it('sets a new condition with observedGeneration and a seconds-precision transition time', () => {
    const list = setCondition(
      undefined,
      { type: 'Cloned', status: 'False', reason: 'InProgress' },
      { observedGeneration: 3, now: t0 },
    );
    assert.deepEqual(list, [
      {
        type: 'Cloned',
        status: 'False',
        reason: 'InProgress',
        message: '',
        observedGeneration: 3,
        lastTransitionTime: '2026-11-01T10:00:00Z',
      },
    ]);
  });

  it('keeps lastTransitionTime while the status stays, updates everything else', () => {
    let list = setCondition(
      undefined,
      { type: 'Ready', status: 'False', reason: 'Cloning', message: 'a' },
      { observedGeneration: 1, now: t0 },
    );
    list = setCondition(
      list,
      { type: 'Ready', status: 'False', reason: 'Updating', message: 'b' },
      { observedGeneration: 2, now: t1 },
    );
    const ready = list[0]!;
    assert.equal(ready.lastTransitionTime, '2026-11-01T10:00:00Z');
    assert.equal(ready.reason, 'Updating');
    assert.equal(ready.observedGeneration, 2);
    list = setCondition(list, { type: 'Ready', status: 'True', reason: 'Ready' }, { observedGeneration: 2, now: t1 });
    assert.equal(list[0]?.lastTransitionTime, '2026-11-01T11:00:00Z');
  });

  it('does not mutate its input and preserves order', () => {
    const a = setCondition(undefined, { type: 'A', status: 'True', reason: 'R' }, { now: t0 });
    const b = setCondition(a, { type: 'B', status: 'True', reason: 'R' }, { now: t0 });
    const c = setCondition(b, { type: 'A', status: 'False', reason: 'R' }, { now: t1 });
    assert.equal(a.length, 1);
    assert.equal(getCondition(b, 'A')?.status, 'True');
    assert.deepEqual(
      c.map((x) => x.type),
      ['A', 'B'],
    );
    assert.ok(conditionsEqual(b, [...b].reverse()));
    assert.ok(!conditionsEqual(b, c));
  });

  it('summarises kstatus: Reconciling, then Stalled, then Ready, with only the applicable abnormal condition', () => {
    let list = setCondition(undefined, { type: 'Cloned', status: 'True', reason: 'Done' }, { now: t0 });
    list = setKStatus(
      list,
      { state: 'Reconciling', reason: 'Cloning', message: 'cloning 2 VMs' },
      { observedGeneration: 4, now: t0 },
    );
    assert.equal(readKStatus(list), 'Reconciling');
    assert.deepEqual(list.map((c) => `${c.type}=${c.status}`).sort(), [
      'Cloned=True',
      'Ready=False',
      'Reconciling=True',
    ]);
    list = setKStatus(
      list,
      { state: 'Stalled', reason: 'UnknownComponent', message: 'no component foo' },
      { observedGeneration: 4, now: t1 },
    );
    assert.equal(readKStatus(list), 'Stalled');
    assert.equal(getCondition(list, 'Reconciling'), undefined);
    assert.equal(getCondition(list, 'Ready')?.lastTransitionTime, '2026-11-01T10:00:00Z', 'Ready stayed False');
    list = setKStatus(list, { state: 'Ready' }, { observedGeneration: 5, now: t1 });
    assert.equal(readKStatus(list), 'Ready');
    assert.deepEqual(list.map((c) => `${c.type}=${c.status}`).sort(), ['Cloned=True', 'Ready=True']);
    assert.equal(getCondition(list, 'Ready')?.observedGeneration, 5);
    assert.equal(readKStatus([]), 'Unknown');
  });
});
