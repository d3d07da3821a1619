// kstatus of the objects captured from the sandbox (test/fixtures/argocd/vapp.dev), computed by
// cli-utils' own library (tools/kstatus: sigs.k8s.io/cli-utils/pkg/kstatus/status, what Flux and
// kpt wait with), against the `kstatus` of each object's expected.yaml entry.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { kstatus } from '../../support/kstatus.ts';

const ROOT = path.join(import.meta.dirname, '../../fixtures/argocd/vapp.dev');

describe('kstatus of our objects, by cli-utils', () => {
  for (const kind of readdirSync(ROOT)) {
    it(`${kind}: each captured object`, async () => {
      const dir = path.join(ROOT, kind);
      const expected = parse(readFileSync(path.join(dir, 'expected.yaml'), 'utf8')) as Record<
        string,
        { kstatus: string }
      >;
      const files = Object.keys(expected);
      const got = await kstatus(files.map((f): unknown => parse(readFileSync(path.join(dir, f), 'utf8'))));
      assert.deepEqual(
        files.map((f, i) => [f, got[i]?.status]),
        files.map((f) => [f, expected[f]?.kstatus]),
      );
    });
  }

  it('MaintenancePlan: Current only when Succeeded (or before the first status), Failed when it ended without the update (Failed, RolledBack, Aborted)', () => {
    const expected = parse(readFileSync(path.join(ROOT, 'MaintenancePlan/expected.yaml'), 'utf8')) as Record<
      string,
      { kstatus: string }
    >;
    for (const [file, { kstatus: status }] of Object.entries(expected)) {
      const want = /^(Succeeded|no-status)\.yaml$/.test(file)
        ? 'Current'
        : /^(Failed|RolledBack|Aborted)\.yaml$/.test(file)
          ? 'Failed'
          : 'InProgress';
      assert.equal(status, want, file);
    }
  });
});
