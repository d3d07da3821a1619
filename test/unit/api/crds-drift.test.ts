// The committed crds/ must be exactly what the zod schemas render.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { renderCrdFiles } from '../../../src/api/crd/render.ts';

const CRDS = path.join(import.meta.dirname, '../../../crds');
const HINT = 'crds/ is out of date with the zod schemas in src/api/v1alpha1: run `make generate` and commit crds/';

describe('crds/', () => {
  const rendered = renderCrdFiles();

  it('holds exactly the rendered files', () => {
    const committed = readdirSync(CRDS)
      .filter((f) => f.endsWith('.yaml'))
      .sort();
    assert.deepEqual(committed, rendered.map((f) => f.fileName).sort(), HINT);
  });

  for (const file of rendered) {
    it(`${file.fileName} matches the schemas`, () => {
      let committed: string;
      try {
        committed = readFileSync(path.join(CRDS, file.fileName), 'utf8');
      } catch {
        assert.fail(`crds/${file.fileName} is missing: ${HINT}`);
      }
      if (committed !== file.content) {
        const a = committed.split('\n');
        const b = file.content.split('\n');
        const line = a.findIndex((l, i) => l !== b[i]);
        assert.fail(
          `${HINT}\nfirst difference in crds/${file.fileName} at line ${line + 1}:\n  committed: ${a[line] ?? '<end of file>'}\n  rendered:  ${b[line] ?? '<end of file>'}`,
        );
      }
    });
  }
});
