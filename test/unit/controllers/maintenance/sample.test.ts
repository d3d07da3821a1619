// The decision functions on the shop samples of config/samples, typed by the API's own parsers:
// what the reconciler will do with them, end to end, without a cluster.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMaintenancePlan, parseVirtualAppliance } from '../../../../src/api/v1alpha1/index.ts';
import { planConditions } from '../../../../src/controllers/maintenance/conditions.ts';
import { transition, stepsFor } from '../../../../src/controllers/maintenance/phases.ts';
import { diffPlan } from '../../../../src/controllers/maintenance/diff.ts';
import { previewHash } from '../../../../src/controllers/maintenance/preview-hash.ts';
import { parseDuration } from '../../../../src/runtime/duration.ts';
import { parseQuantity } from '../../../../src/runtime/quantity.ts';
import { windowState } from '../../../../src/controllers/maintenance/window.ts';
import { sampleAppliance, samplePlan } from '../../api/fixtures.ts';

describe('the shop samples', () => {
  const appliance = parseVirtualAppliance({
    ...sampleAppliance(),
    status: {
      members: [
        { name: 'db', vm: 'shop-db', ready: true, components: [{ name: 'postgres', level: '16.2.0' }] },
        { name: 'app', vm: 'shop-app', ready: true, components: [{ name: 'shop', level: '2.3.1' }] },
        { name: 'web', vm: 'shop-web', ready: true, components: [{ name: 'nginx', level: '1.26.2' }] },
      ],
    },
  });
  const plan = parseMaintenancePlan(samplePlan());

  it('plans postgres and shop, leaves nginx alone', () => {
    const diff = diffPlan({
      targets: plan.spec.components,
      members: appliance.spec.members,
      inventory: appliance.status?.members ?? [],
      allowDowngrade: plan.spec.allowDowngrade,
    });
    assert.deepEqual(diff, {
      updates: [
        { member: 'db', component: 'postgres', from: '16.2.0', to: '16.4.0' },
        { member: 'app', component: 'shop', from: '2.3.1', to: '2.4.0' },
      ],
      unchanged: [{ member: 'web', component: 'nginx', level: '1.26.2' }],
      problems: [],
    });
    assert.match(
      previewHash({ appliance: { namespace: 'default', name: plan.spec.appliance }, ...diff }),
      /^[0-9a-f]{16}$/,
    );
  });

  it('goes straight to the snapshot (Automatic), cuts over on a Saturday night in Rome only', () => {
    assert.equal(
      transition({ phase: 'Planning' }, { type: 'planned', approval: plan.spec.approval }).state.phase,
      'Snapshotting',
    );
    assert.deepEqual(stepsFor(plan.spec), [
      'Plan',
      'Snapshot',
      'Clone',
      'Update',
      'Verify',
      'Sync',
      'CutOver',
      'Observe',
      'Release',
    ]);
    // Sunday 2026-11-22 03:00 in Rome is inside sat/sun 02:00-05:00; Monday 03:00 is not.
    assert.equal(windowState(plan.spec.window, new Date('2026-11-22T02:00:00Z')).open, true);
    assert.deepEqual(windowState(plan.spec.window, new Date('2026-11-23T02:00:00Z')), {
      open: false,
      opensAt: new Date('2026-11-28T01:00:00Z'),
    });
  });

  it('reads the data sync and rollback settings', () => {
    assert.equal(parseQuantity(plan.spec.dataSync.convergedBelow), 67_108_864);
    assert.equal(parseDuration(plan.spec.rollback.retainOriginalFor), 86_400_000);
  });

  it('reports Approved by policy and a plan at work', () => {
    const list = planConditions(undefined, {
      state: { phase: 'Cloning' },
      approval: plan.spec.approval,
      steps: [],
      suspended: plan.spec.suspend,
      observedGeneration: 1,
      now: new Date('2026-11-22T02:00:00Z'),
    });
    assert.deepEqual(
      list.map((c) => `${c.type}=${c.status}`),
      ['Ready=False', 'Reconciling=True', 'Approved=True'],
    );
  });
});
