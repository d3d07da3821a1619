import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMaintenancePlan, parseVirtualAppliance } from '../../../../src/api/v1alpha1/index.ts';
import { estimateDowntimeSeconds } from '../../../../src/controllers/maintenance/estimate.ts';
import { sampleAppliance, samplePlan } from '../../api/fixtures.ts';

describe('estimateDowntimeSeconds: the projected downtime in the preview', () => {
  const plan = parseMaintenancePlan(samplePlan()); // convergedBelow 64Mi
  const appliance = parseVirtualAppliance(sampleAppliance()); // db with a data volume; start orders 0, 1, 2

  it('before any round: stop + the final delta at 100 MiB/s + one boot per start-order group', () => {
    const groups = new Set(appliance.spec.members.map((m) => m.startOrder)).size;
    assert.equal(estimateDowntimeSeconds(plan, appliance, []), Math.ceil(5 + 64 / 100 + groups * 20));
  });

  it('uses the rate the rounds measured', () => {
    const slow = [{ round: 1, bytes: 1024 * 1024, seconds: 1 }]; // 1 MiB/s: 64 s for the final delta
    assert.ok(estimateDowntimeSeconds(plan, appliance, slow) >= 64 + 5);
    const idle = [{ round: 1, bytes: 0, seconds: 3 }];
    assert.equal(
      estimateDowntimeSeconds(plan, appliance, idle),
      estimateDowntimeSeconds(plan, appliance, []),
      'a round that copied nothing measured no rate',
    );
  });

  it('no data volume: no final delta', () => {
    const noData = parseVirtualAppliance({
      ...sampleAppliance(),
      spec: { ...sampleAppliance().spec, members: appliance.spec.members.map((m) => ({ ...m, dataVolumes: [] })) },
    });
    const groups = new Set(appliance.spec.members.map((m) => m.startOrder)).size;
    assert.equal(estimateDowntimeSeconds(plan, noData, []), 5 + groups * 20);
  });
});
