import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setCondition, type Condition } from '../../../../src/sandbox/simulator/conditions.ts';

describe('setCondition', () => {
  it('keeps lastTransitionTime while the status stays the same', () => {
    const a = setCondition<Condition>([], { type: 'Ready', status: 'False' }, 't1');
    const b = setCondition<Condition>(a, { type: 'Ready', status: 'False', reason: 'X' }, 't2');
    assert.deepEqual(b, [{ type: 'Ready', status: 'False', reason: 'X', lastTransitionTime: 't1' }]);
    const c = setCondition<Condition>(b, { type: 'Ready', status: 'True' }, 't3');
    assert.deepEqual(c, [{ type: 'Ready', status: 'True', lastTransitionTime: 't3' }]);
  });
});
