import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventDedupKey } from '../../../src/runtime/events.ts';

describe('eventDedupKey', () => {
  const obj = {
    apiVersion: 'vapp.dev/v1alpha1',
    kind: 'MaintenancePlan',
    metadata: { namespace: 'shop', name: 'p', uid: 'u' },
  };

  it('is the same for a repeated event and differs by object, type, reason or message', () => {
    const k = eventDedupKey(obj, 'Normal', 'Cloned', 'clone ready');
    assert.equal(eventDedupKey(structuredClone(obj), 'Normal', 'Cloned', 'clone ready'), k);
    assert.notEqual(
      eventDedupKey({ ...obj, metadata: { ...obj.metadata, uid: 'v' } }, 'Normal', 'Cloned', 'clone ready'),
      k,
    );
    assert.notEqual(eventDedupKey(obj, 'Warning', 'Cloned', 'clone ready'), k);
    assert.notEqual(eventDedupKey(obj, 'Normal', 'Updated', 'clone ready'), k);
    assert.notEqual(eventDedupKey(obj, 'Normal', 'Cloned', 'clone failed'), k);
  });
});
