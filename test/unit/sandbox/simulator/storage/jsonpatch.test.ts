import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyPatch,
  escapePointer,
  JsonPatchError,
  parsePatches,
} from '../../../../../src/sandbox/simulator/storage/jsonpatch.ts';

describe('JSON Patch (RFC 6902) for clone and restore patches', () => {
  const doc = { metadata: { labels: { 'vapp.dev/slot': 'blue' } }, spec: { list: [1, 2, 3] } };

  it('adds, replaces and removes, with ~1 for a slash in a key, without touching the input', () => {
    const out = applyPatch(
      doc,
      parsePatches([
        '{"op":"replace","path":"/metadata/labels/vapp.dev~1slot","value":"green"}',
        '[{"op":"add","path":"/spec/list/-","value":4},{"op":"add","path":"/spec/list/0","value":0},{"op":"remove","path":"/spec/list/2"}]',
        '{"op":"add","path":"/spec/runStrategy","value":"Halted"}',
      ]),
    );
    assert.deepEqual(out, {
      metadata: { labels: { 'vapp.dev/slot': 'green' } },
      spec: { list: [0, 1, 3, 4], runStrategy: 'Halted' },
    });
    assert.equal(doc.metadata.labels['vapp.dev/slot'], 'blue');
  });

  it('moves, copies and tests', () => {
    const out = applyPatch(
      { a: { b: 1 }, c: [] as number[] },
      parsePatches([
        '{"op":"copy","from":"/a/b","path":"/c/-"}',
        '{"op":"move","from":"/a","path":"/d"}',
        '{"op":"test","path":"/d/b","value":1}',
      ]),
    );
    assert.deepEqual(out, { c: [1], d: { b: 1 } });
  });

  it('replaces a missing key of an existing object by adding it, as json-patch v4 does', () => {
    const out = applyPatch(doc, parsePatches(['{"op":"replace","path":"/spec/nothing","value":1}'])) as {
      spec: Record<string, unknown>;
    };
    assert.equal(out.spec.nothing, 1);
  });

  it('refuses what KubeVirt refuses: a missing parent to replace in, a missing path to remove, a failed test, bad JSON, an unknown op', () => {
    assert.throws(
      () => applyPatch(doc, parsePatches(['{"op":"replace","path":"/spec/nothing/here","value":1}'])),
      /does not exist/,
    );
    assert.throws(
      () => applyPatch(doc, parsePatches(['{"op":"replace","path":"/spec/list/9","value":1}'])),
      /out of range/,
    );
    assert.throws(
      () => applyPatch(doc, parsePatches(['{"op":"remove","path":"/metadata/annotations"}'])),
      JsonPatchError,
    );
    assert.throws(
      () => applyPatch(doc, parsePatches(['{"op":"add","path":"/metadata/annotations/x","value":"y"}'])),
      /does not exist/,
    );
    assert.throws(
      () => applyPatch(doc, parsePatches(['{"op":"test","path":"/spec/list/0","value":9}'])),
      /test failed/,
    );
    assert.throws(
      () => applyPatch(doc, parsePatches(['{"op":"add","path":"/spec/list/9","value":9}'])),
      /out of range/,
    );
    assert.throws(() => parsePatches(['not json']), /not JSON/);
    assert.throws(() => parsePatches(['{"op":"merge","path":"/a"}']), /unknown patch op/);
    assert.throws(() => parsePatches(['{"op":"add","path":"/a"}']), /without value/);
  });

  it('escapes keys for pointers', () => {
    assert.equal(escapePointer('a/b~c'), 'a~1b~0c');
  });
});
