import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import type { MaintenancePlan, Phase } from '../../../../src/api/v1alpha1/index.ts';
import {
  PlanMetrics,
  registerPlanStatusMetrics,
  planSamples,
  type PlanSample,
  type PlanSnapshot,
} from '../../../../src/controllers/maintenance/metrics.ts';

describe('PlanMetrics', () => {
  it('counts the plans by phase at each scrape, every phase listed', async () => {
    const registry = new Registry();
    const plans: Pick<MaintenancePlan, 'status'>[] = [
      {},
      { status: { phase: 'Syncing', steps: [], syncRounds: [], conditions: [] } },
    ];
    new PlanMetrics(registry, () => plans);
    const first = await registry.metrics();
    assert.match(first, /^vapp_maintenance_plans\{phase="Pending"\} 1$/m, 'a plan without status is Pending');
    assert.match(first, /^vapp_maintenance_plans\{phase="Syncing"\} 1$/m);
    assert.match(first, /^vapp_maintenance_plans\{phase="RolledBack"\} 0$/m);
    plans.pop();
    assert.match(
      await registry.metrics(),
      /^vapp_maintenance_plans\{phase="Syncing"\} 0$/m,
      'read again at the next scrape',
    );
  });

  it('records a cut-over: the transition, the phase duration and the downtime', async () => {
    const registry = new Registry();
    const metrics = new PlanMetrics(registry);
    const status = {
      steps: [{ name: 'CutOver' as const, state: 'Succeeded' as const, startedAt: '2026-11-22T02:00:00Z' }],
      syncRounds: [],
      conditions: [],
      downtimeSeconds: 4.5,
      cutOver: {
        downtime: { stopOriginal: 1, finalDelta: 0.5, startClone: 1.5, ready: 1.25, switchServices: 0.25 },
      },
    };
    metrics.phaseChanged('CuttingOver', 'Observing', undefined, status, new Date('2026-11-22T02:00:30Z'));
    const text = await registry.metrics();
    assert.match(text, /^vapp_maintenance_phase_transitions_total\{from="CuttingOver",to="Observing"\} 1$/m);
    assert.match(text, /^vapp_maintenance_phase_duration_seconds_sum\{phase="CuttingOver"\} 30$/m);
    assert.match(text, /^vapp_maintenance_downtime_seconds_sum 4.5$/m);
    assert.match(text, /^vapp_maintenance_downtime_part_seconds_sum\{part="finalDelta"\} 0.5$/m);
    assert.match(text, /^vapp_maintenance_downtime_part_seconds_sum\{part="ready"\} 1.25$/m);
  });
});

describe('PlanStatusMetrics: per-plan series read from the cached plans', () => {
  const plan = (status: PlanSnapshot['status'], spec: Partial<PlanSnapshot['spec']> = {}): PlanSnapshot => ({
    metadata: { namespace: 'shop-ns', name: 'p1', creationTimestamp: '2026-11-22T01:59:00Z' },
    spec: { appliance: 'shop', dataSync: { maxRounds: 3, downtimeBudgetSeconds: 20 }, ...spec },
    ...(status ? { status } : {}),
  });
  const id = { namespace: 'shop-ns', name: 'p1', appliance: 'shop' };
  const byMetric = (samples: readonly PlanSample[], metric: PlanSample['metric']) =>
    samples.filter((s) => s.metric === metric).map((s) => [s.labels, s.value]);

  it('a running phase: since its step started, with the step timeout as its deadline', () => {
    const samples = planSamples(
      plan({
        phase: 'Cloning',
        steps: [
          {
            name: 'Snapshot',
            state: 'Succeeded',
            startedAt: '2026-11-22T02:00:00Z',
            finishedAt: '2026-11-22T02:00:05Z',
          },
          { name: 'Clone', state: 'Running', startedAt: '2026-11-22T02:00:05Z' },
        ],
      }),
      900,
    );
    const withPhase = { ...id, phase: 'Cloning' };
    assert.deepEqual(byMetric(samples, 'vapp_maintenance_plan_phase'), [[withPhase, 1]]);
    assert.deepEqual(byMetric(samples, 'vapp_maintenance_plan_phase_started_timestamp_seconds'), [
      [withPhase, Date.parse('2026-11-22T02:00:05Z') / 1000],
    ]);
    assert.deepEqual(byMetric(samples, 'vapp_maintenance_plan_phase_timeout_seconds'), [[withPhase, 900]]);
    assert.deepEqual(byMetric(samples, 'vapp_maintenance_plan_downtime_budget_seconds'), [[id, 20]]);
    assert.deepEqual(
      byMetric(samples, 'vapp_maintenance_plan_downtime_seconds'),
      [],
      'no downtime before the cut-over',
    );
  });

  it('the deadline of a phase is the operator’s own: verify timeout, every sync round, the observation', () => {
    const timeout = (phase: Phase, spec: Partial<PlanSnapshot['spec']> = {}) =>
      byMetric(
        planSamples(plan({ phase, steps: [] }, spec), 600),
        'vapp_maintenance_plan_phase_timeout_seconds',
      )[0]?.[1];
    assert.equal(timeout('Verifying', { verify: { timeoutSeconds: 120 } }), 720);
    assert.equal(timeout('Syncing'), 1800, 'maxRounds 3 × the step timeout');
    assert.equal(timeout('Observing', { rollback: { observeSeconds: 300 } }), 900);
    assert.equal(timeout('CuttingOver'), 600);
    for (const waiting of ['Pending', 'AwaitingApproval', 'WaitingForWindow', 'Succeeded', 'Failed'] as const)
      assert.equal(timeout(waiting), undefined, `${waiting} waits on purpose or has ended: no deadline`);
    const suspended = planSamples(
      plan({ phase: 'Cloning', steps: [], conditions: [{ type: 'Ready', status: 'False', reason: 'Suspended' }] }),
      600,
    );
    assert.deepEqual(byMetric(suspended, 'vapp_maintenance_plan_phase_timeout_seconds'), [], 'suspended: no deadline');
  });

  it('a cleanup counts from its own start, in both the typed and the step form', () => {
    const step = { name: 'Cleanup', state: 'Running', startedAt: '2026-11-22T02:10:00Z' };
    for (const status of [
      { phase: 'Cloning' as const, steps: [step] },
      { phase: 'Cloning' as const, steps: [], cleanup: { startedAt: '2026-11-22T02:10:00Z' } },
    ]) {
      const samples = planSamples(plan(status), 600);
      assert.deepEqual(byMetric(samples, 'vapp_maintenance_plan_phase_started_timestamp_seconds'), [
        [{ ...id, phase: 'Cloning' }, Date.parse('2026-11-22T02:10:00Z') / 1000],
      ]);
    }
  });

  it('a plan without status is Pending since its creation; an ended one since its last step ended', () => {
    assert.deepEqual(
      byMetric(planSamples(plan(undefined), 600), 'vapp_maintenance_plan_phase_started_timestamp_seconds'),
      [[{ ...id, phase: 'Pending' }, Date.parse('2026-11-22T01:59:00Z') / 1000]],
    );
    const done = planSamples(
      plan({
        phase: 'Succeeded',
        downtimeSeconds: 3.5,
        syncRounds: [
          { round: 1, bytes: 4096 },
          { round: 2, bytes: 512 },
        ],
        steps: [
          { name: 'Observe', state: 'Succeeded', finishedAt: '2026-11-22T02:30:00Z' },
          { name: 'Release', state: 'Succeeded', finishedAt: '2026-11-23T02:30:00Z' },
        ],
      }),
      600,
    );
    assert.deepEqual(byMetric(done, 'vapp_maintenance_plan_phase_started_timestamp_seconds'), [
      [{ ...id, phase: 'Succeeded' }, Date.parse('2026-11-22T02:30:00Z') / 1000],
    ]);
    assert.deepEqual(byMetric(done, 'vapp_maintenance_plan_downtime_seconds'), [[id, 3.5]]);
    assert.deepEqual(byMetric(done, 'vapp_maintenance_plan_sync_round_bytes'), [
      [{ ...id, round: '1' }, 4096],
      [{ ...id, round: '2' }, 512],
    ]);
  });

  it('exports the series at each scrape, and drops those of a deleted plan', async () => {
    const registry = new Registry();
    const plans: PlanSnapshot[] = [plan({ phase: 'Syncing', steps: [], downtimeSeconds: 2 })];
    registerPlanStatusMetrics(registry, () => plans, { stepTimeoutMs: 60_000 });
    const text = await registry.metrics();
    assert.match(
      text,
      /^vapp_maintenance_plan_phase\{namespace="shop-ns",name="p1",appliance="shop",phase="Syncing"\} 1$/m,
    );
    assert.match(
      text,
      /^vapp_maintenance_plan_phase_timeout_seconds\{namespace="shop-ns",name="p1",appliance="shop",phase="Syncing"\} 180$/m,
    );
    assert.match(text, /^vapp_maintenance_plan_downtime_seconds\{namespace="shop-ns",name="p1",appliance="shop"\} 2$/m);
    plans.pop();
    assert.doesNotMatch(await registry.metrics(), /name="p1"/, 'the deleted plan has no series left');
  });
});
