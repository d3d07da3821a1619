import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import {
  registerApplianceMetrics,
  applianceSamples,
  type ApplianceSnapshot,
} from '../../../../src/controllers/appliance/metrics.ts';

const shop = (status: ApplianceSnapshot['status']): ApplianceSnapshot => ({
  metadata: { namespace: 'ns', name: 'shop' },
  spec: { members: [{}, {}, {}] },
  ...(status ? { status } : {}),
});

describe('ApplianceMetrics', () => {
  it('an appliance under maintenance: Ready, its slot, its ready members, the plan holding it', () => {
    const samples = applianceSamples(
      shop({
        activeSlot: 'green',
        activePlan: 'shop-2026-11',
        members: [{ ready: true }, { ready: true }, { ready: false }],
        conditions: [{ type: 'Ready', status: 'True' }],
      }),
    );
    const id = { namespace: 'ns', name: 'shop' };
    assert.deepEqual(
      samples.map((s) => [s.metric, s.labels, s.value]),
      [
        ['vapp_appliance_ready', id, 1],
        ['vapp_appliance_members', id, 3],
        ['vapp_appliance_members_ready', id, 2],
        ['vapp_appliance_active_slot', { ...id, slot: 'green' }, 1],
        ['vapp_appliance_active_plan', { ...id, plan: 'shop-2026-11' }, 1],
      ],
    );
  });

  it('an appliance the operator has not reported on yet is not Ready, and has no slot or plan', () => {
    const samples = applianceSamples(shop(undefined));
    assert.deepEqual(
      samples.map((s) => [s.metric, s.value]),
      [
        ['vapp_appliance_ready', 0],
        ['vapp_appliance_members', 3],
        ['vapp_appliance_members_ready', 0],
      ],
    );
  });

  it('exports the series at each scrape, and drops those of a deleted appliance', async () => {
    const registry = new Registry();
    const appliances = [shop({ activeSlot: 'blue', conditions: [{ type: 'Ready', status: 'False' }] })];
    registerApplianceMetrics(registry, () => appliances);
    const text = await registry.metrics();
    assert.match(text, /^vapp_appliance_ready\{namespace="ns",name="shop"\} 0$/m);
    assert.match(text, /^vapp_appliance_active_slot\{namespace="ns",name="shop",slot="blue"\} 1$/m);
    appliances.pop();
    assert.doesNotMatch(await registry.metrics(), /name="shop"/);
  });
});
