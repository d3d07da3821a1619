import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import {
  registerRolloutMetrics,
  rolloutSamples,
  type RolloutSnapshot,
} from '../../../../src/controllers/rollout-metrics/metrics.ts';

const shops = (status: RolloutSnapshot['status'], action = 'Pause'): RolloutSnapshot => ({
  metadata: { namespace: 'ops', name: 'shops' },
  spec: { failurePolicy: { action } },
  ...(status ? { status } : {}),
});

const values = (r: RolloutSnapshot) => Object.fromEntries(rolloutSamples(r).map((s) => [s.metric, s.value]));

describe('RolloutMetrics', () => {
  it('a rollout under way: its phase, revision, counts and failure budget', () => {
    const samples = rolloutSamples(
      shops({
        phase: 'Progressing',
        revision: 2,
        counts: { selected: 6, upToDate: 3, inFlight: 2, cuttingOver: 1 },
        failures: { count: 1, acknowledged: 1, allowed: 1, exceeded: false },
      }),
    );
    const id = { namespace: 'ops', name: 'shops' };
    assert.deepEqual(
      samples.map((s) => [s.metric, s.labels, s.value]),
      [
        ['vapp_rollout_phase', { ...id, phase: 'Progressing' }, 1],
        ['vapp_rollout_revision', id, 2],
        ['vapp_rollout_appliances_selected', id, 6],
        ['vapp_rollout_appliances_up_to_date', id, 3],
        ['vapp_rollout_plans_in_flight', id, 2],
        ['vapp_rollout_plans_cutting_over', id, 1],
        ['vapp_rollout_failures', id, 1],
        ['vapp_rollout_failures_acknowledged', id, 1],
        ['vapp_rollout_failures_allowed', id, 1],
        ['vapp_rollout_paused', id, 0],
      ],
    );
  });

  it('is paused by failures when Paused, and when suspended with its failure budget spent; not when the policy continues', () => {
    const spent = { count: 2, acknowledged: 0, allowed: 0, exceeded: true };
    assert.equal(values(shops({ phase: 'Paused', failures: spent })).vapp_rollout_paused, 1);
    assert.equal(values(shops({ phase: 'Suspended', failures: spent })).vapp_rollout_paused, 1);
    assert.equal(values(shops({ phase: 'Progressing', failures: spent }, 'Continue')).vapp_rollout_paused, 0);
    assert.equal(values(shops({ phase: 'Suspended' })).vapp_rollout_paused, 0);
  });

  it('a rollout the operator has not reported on yet is Pending, with zero counts', () => {
    const v = values(shops(undefined));
    assert.equal(rolloutSamples(shops(undefined))[0]?.labels.phase, 'Pending');
    assert.equal(v.vapp_rollout_appliances_selected, 0);
    assert.equal(v.vapp_rollout_paused, 0);
  });

  it('exports the series at each scrape, and drops those of a deleted rollout', async () => {
    const registry = new Registry();
    const rollouts = [
      shops({ phase: 'Paused', counts: { selected: 6, upToDate: 4 }, failures: { count: 1, exceeded: true } }),
    ];
    registerRolloutMetrics(registry, () => rollouts);
    const text = await registry.metrics();
    assert.match(text, /^vapp_rollout_phase\{namespace="ops",name="shops",phase="Paused"\} 1$/m);
    assert.match(text, /^vapp_rollout_appliances_up_to_date\{namespace="ops",name="shops"\} 4$/m);
    assert.match(text, /^vapp_rollout_paused\{namespace="ops",name="shops"\} 1$/m);
    rollouts.pop();
    assert.doesNotMatch(await registry.metrics(), /name="shops"/);
  });
});
