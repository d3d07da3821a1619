import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { parse } from 'yaml';
import { ROLLOUT_PHASES, type MaintenanceRollout } from '../../../../src/api/v1alpha1/index.ts';
import { registerRolloutMetrics } from '../../../../src/controllers/rollout/metrics.ts';

const FIXTURES = path.join(import.meta.dirname, '../../../fixtures/argocd/vapp.dev/MaintenanceRollout');
const fixture = (file: string) => parse(readFileSync(path.join(FIXTURES, file), 'utf8')) as MaintenanceRollout;
const sample = (text: string, metric: string, labels: string) =>
  new RegExp(`^${metric}\\{${labels}\\} (\\S+)$`, 'm').exec(text)?.[1];

describe('rollout metrics', () => {
  it('one phase series per phase, 1 for the current one; paused is 0 or 1, present in every phase', async () => {
    const registry = new Registry();
    const rollouts: MaintenanceRollout[] = [];
    registerRolloutMetrics(registry, () => rollouts);
    for (const file of ['Progressing.yaml', 'Paused.yaml', 'Completed.yaml']) {
      const r = fixture(file);
      rollouts.splice(0, rollouts.length, r);
      const text = await registry.metrics();
      const labels = `namespace="${r.metadata.namespace ?? ''}",rollout="${r.metadata.name ?? ''}"`;
      for (const phase of ROLLOUT_PHASES)
        assert.equal(
          sample(text, 'vapp_rollout_phase', `${labels},phase="${phase}"`),
          phase === r.status?.phase ? '1' : '0',
          `${file}: phase ${phase}`,
        );
      assert.equal(sample(text, 'vapp_rollout_paused', labels), r.status?.phase === 'Paused' ? '1' : '0', file);
      assert.equal(sample(text, 'vapp_rollout_failures', labels), String(r.status?.failures.count ?? 0), file);
      assert.equal(
        sample(text, 'vapp_rollout_failures_acknowledged', labels),
        String(r.status?.failures.acknowledged ?? 0),
        file,
      );
      assert.equal(
        sample(text, 'vapp_rollout_failures_allowed', labels),
        String(r.status?.failures.allowed ?? 0),
        file,
      );
    }
  });

  it('a rollout gone is gone from the next scrape; one without status has no series yet', async () => {
    const registry = new Registry();
    const rollouts: MaintenanceRollout[] = [fixture('Paused.yaml')];
    registerRolloutMetrics(registry, () => rollouts);
    assert.match(await registry.metrics(), /^vapp_rollout_paused\{.*\} 1$/m);
    rollouts.splice(0, 1, fixture('no-status.yaml'));
    assert.doesNotMatch(await registry.metrics(), /^vapp_rollout_\w+\{/m);
  });
});
