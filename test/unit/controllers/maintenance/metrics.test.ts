import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import type { MaintenancePlan } from '../../../../src/api/v1alpha1/index.ts';
import { PlanMetrics } from '../../../../src/controllers/maintenance/metrics.ts';

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
    };
    metrics.phaseChanged('CuttingOver', 'Observing', undefined, status, new Date('2026-11-22T02:00:30Z'));
    const text = await registry.metrics();
    assert.match(text, /^vapp_maintenance_phase_transitions_total\{from="CuttingOver",to="Observing"\} 1$/m);
    assert.match(text, /^vapp_maintenance_phase_duration_seconds_sum\{phase="CuttingOver"\} 30$/m);
    assert.match(text, /^vapp_maintenance_downtime_seconds_sum 4.5$/m);
  });
});
