// The MaintenanceRollout schema: its defaults, the input it refuses (with the field named), and the
// CEL rules the API server runs for it (the transition rules zod cannot check).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  MaintenanceRolloutSpecSchema,
  celRules,
  safeParseMaintenanceRollout,
  type MaintenanceRolloutInput,
} from '../../../src/api/v1alpha1/index.ts';

const rollout = (spec: Record<string, unknown>): MaintenanceRolloutInput =>
  ({
    apiVersion: 'vapp.dev/v1alpha1',
    kind: 'MaintenanceRollout',
    metadata: { name: 'fleet', namespace: 'ops' },
    spec,
  }) as MaintenanceRolloutInput;

const problems = (spec: Record<string, unknown>): string[] => {
  const r = safeParseMaintenanceRollout(rollout(spec));
  return r.ok ? [] : r.error.issues.map((i) => `${i.path}: ${i.message}`);
};

describe('MaintenanceRollout schema', () => {
  it('defaults to one plan at a time, one cut-over, one unavailable, the first failure pauses', () => {
    const r = safeParseMaintenanceRollout(rollout({ target: { components: [{ name: 'postgres', level: '16.4.0' }] } }));
    assert.ok(r.ok);
    const spec = r.value.spec;
    assert.deepEqual(
      [spec.maxInFlight, spec.maxCuttingOver, spec.maxUnavailable, spec.prepareAhead, spec.acknowledgedFailures],
      [1, 1, 1, '1h', 0],
    );
    assert.deepEqual(spec.failurePolicy, { maxFailures: 0, countAborted: false, action: 'Pause' });
    assert.deepEqual([spec.suspend, spec.abort, spec.waves, spec.windows, spec.selector], [false, false, [], [], {}]);
    assert.equal(spec.plan.approval, 'Automatic');
    assert.equal(spec.plan.rollback.retainOriginalFor, '24h');
  });

  it('refuses a rollout without a target, a wave called default, bad percentages and repeated names', () => {
    assert.match(problems({ target: {} }).join('\n'), /spec\.target\.components: .*at least one component/);
    const waves = problems({
      target: { components: [{ name: 'nginx', level: '1.2.3' }] },
      waves: [
        { name: 'default', selector: {} },
        { name: 'canary', selector: {}, limit: '120%' },
        { name: 'canary', selector: {} },
      ],
      maxUnavailable: '10 %',
      maxInFlight: 0,
    }).join('\n');
    assert.match(waves, /spec\.waves\[0\]\.name: .*"default"/);
    assert.match(waves, /spec\.waves\[1\]\.limit/);
    assert.match(waves, /spec\.waves\[2\]\.name: spec\.waves\[\]\.name must be unique/);
    assert.match(waves, /spec\.maxUnavailable/);
    assert.match(waves, /spec\.maxInFlight/);
  });

  it('accepts counts and percentages, a pinned BaseImage version, or one that follows the latest', () => {
    assert.deepEqual(
      problems({
        target: { baseImage: { ref: { name: 'fedora', namespace: 'golden' } } },
        waves: [{ name: 'canary', selector: { matchLabels: { ring: 'canary' } }, limit: 1, soak: '10m' }],
        maxUnavailable: '20%',
      }),
      [],
    );
    assert.deepEqual(problems({ target: { baseImage: { ref: { name: 'fedora' }, version: 'sha256:abc' } } }), []);
  });

  it('has the API server refuse a shrinking acknowledgedFailures and an abort set back', () => {
    const rules = celRules(MaintenanceRolloutSpecSchema).map((r) => r.rule);
    assert.ok(rules.includes('self.acknowledgedFailures >= oldSelf.acknowledgedFailures'));
    assert.ok(rules.includes('!oldSelf.abort || self.abort'));
  });
});
