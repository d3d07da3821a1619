import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, KeyedBackoff } from '../../../src/runtime/backoff.ts';

describe('KeyedBackoff', () => {
  it('doubles per consecutive failure of a key, up to the cap', () => {
    const b = new KeyedBackoff({ baseMs: 10, maxMs: 100 });
    assert.deepEqual([b.next('a'), b.next('a'), b.next('a'), b.next('a'), b.next('a')], [10, 20, 40, 80, 100]);
    assert.equal(b.failures('a'), 5);
  });

  it('keeps keys independent and forgets a key after success', () => {
    const b = new KeyedBackoff({ baseMs: 10, maxMs: 1000 });
    b.next('a');
    b.next('a');
    assert.equal(b.next('b'), 10);
    b.forget('a');
    assert.equal(b.failures('a'), 0);
    assert.equal(b.next('a'), 10);
  });

  it('does not overflow after many failures', () => {
    assert.equal(backoffDelay(5000, 5, 1_000_000), 1_000_000);
  });
});
