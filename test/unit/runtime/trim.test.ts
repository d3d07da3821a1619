import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LAST_APPLIED_ANNOTATION, trimObject } from '../../../src/runtime/trim.ts';

describe('trimObject', () => {
  it('drops managedFields and the last-applied annotation, keeps everything else', () => {
    const obj = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'p',
        labels: { a: '1' },
        annotations: { [LAST_APPLIED_ANNOTATION]: '{"big":"json"}', keep: 'me' },
        managedFields: [{ manager: 'kubectl', operation: 'Apply' }],
      },
      spec: { nodeName: 'n' },
    };
    assert.deepEqual(trimObject(obj), {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', labels: { a: '1' }, annotations: { keep: 'me' } },
      spec: { nodeName: 'n' },
    });
  });

  it('leaves an object without either as it is', () => {
    const obj = { metadata: { name: 'p', annotations: { keep: 'me' } } };
    assert.equal(trimObject(obj), obj);
    assert.deepEqual(obj, { metadata: { name: 'p', annotations: { keep: 'me' } } });
  });
});
