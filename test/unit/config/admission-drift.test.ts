// The committed config/admission/policies.yaml must be exactly what src/api/admission renders, and
// config/default must install it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { POLICIES, renderAdmissionYaml } from '../../../src/api/admission/render.ts';

const CONFIG = path.join(import.meta.dirname, '../../../config');

describe('config/admission', () => {
  it('policies.yaml matches src/api/admission', () => {
    assert.equal(
      readFileSync(path.join(CONFIG, 'admission/policies.yaml'), 'utf8'),
      renderAdmissionYaml(),
      'config/admission/policies.yaml is out of date: run `make generate` and commit it',
    );
  });

  it('binds every policy, to deny', () => {
    const docs = renderAdmissionYaml()
      .split(/^---$/m)
      .map((d) => parse(d) as { kind?: string; spec?: { policyName?: string; validationActions?: string[] } } | null)
      .filter((d) => d !== null);
    for (const policy of POLICIES) {
      const binding = docs.find(
        (d) => d.kind === 'ValidatingAdmissionPolicyBinding' && d.spec?.policyName === policy.name,
      );
      assert.deepEqual(binding?.spec?.validationActions, ['Deny'], policy.name);
    }
  });

  it('is installed by config/default', () => {
    const k = parse(readFileSync(path.join(CONFIG, 'default/kustomization.yaml'), 'utf8')) as { resources: string[] };
    assert.ok(k.resources.includes('../admission'));
  });
});
