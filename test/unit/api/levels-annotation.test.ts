import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readLevels, withLevel } from '../../../src/api/v1alpha1/levels-annotation.ts';

describe('the vapp.dev/levels annotation', () => {
  it('reads a JSON map of component to level, leaving out values that are not strings', () => {
    assert.deepEqual(readLevels('{"postgres":"16.2.0","n":1}'), { levels: { postgres: '16.2.0' } });
  });

  it('says why a missing or malformed annotation holds no levels', () => {
    assert.match((readLevels(undefined) as { problem: string }).problem, /has no vapp.dev\/levels annotation/);
    assert.match((readLevels('{') as { problem: string }).problem, /is not JSON/);
    assert.match((readLevels('["16.2.0"]') as { problem: string }).problem, /is not a JSON object/);
  });

  it('sets the level of one component, keeping the others', () => {
    assert.equal(
      withLevel('{"postgres":"16.2.0","pgbouncer":"1.0.0"}', 'postgres', '16.4.0'),
      '{"postgres":"16.4.0","pgbouncer":"1.0.0"}',
    );
  });

  it('replaces a missing or malformed annotation', () => {
    assert.equal(withLevel(undefined, 'postgres', '16.4.0'), '{"postgres":"16.4.0"}');
    assert.equal(withLevel('not json', 'postgres', '16.4.0'), '{"postgres":"16.4.0"}');
    assert.equal(withLevel('[1]', 'postgres', '16.4.0'), '{"postgres":"16.4.0"}');
  });
});
