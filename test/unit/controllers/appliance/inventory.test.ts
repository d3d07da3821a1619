import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Member } from '../../../../src/api/v1alpha1/index.ts';
import { memberInventory, summarize } from '../../../../src/controllers/appliance/inventory.ts';
import { vm, vmi } from './fixtures.ts';

const update = { image: { volume: 'root', repository: 'registry.example.com/os' } };
const db: Member = {
  name: 'db',
  vm: 'shop-db',
  startOrder: 0,
  dataVolumes: [],
  components: [{ name: 'postgres', level: { annotation: {} }, update }],
};
const app: Member = {
  name: 'app',
  vm: 'shop-app',
  startOrder: 1,
  dataVolumes: [],
  components: [{ name: 'os', level: { guestOS: { field: 'versionId' } }, update }],
};
const levels = { 'vapp.dev/levels': '{"postgres":"16.2.0"}' };

describe('memberInventory and summarize', () => {
  it('is Ready when every member VM is ready and every level is read', () => {
    const inventories = [
      memberInventory({ member: db, vmName: 'shop-db', vm: vm('shop-db', { annotations: levels }) }),
      memberInventory({
        member: app,
        vmName: 'shop-app',
        vm: vm('shop-app'),
        vmi: vmi('shop-app', { versionId: '12.5' }),
      }),
    ];
    const summary = summarize(inventories, [], 'blue');
    assert.equal(summary.kstatus.state, 'Ready');
    assert.equal(summary.readyMembers, '2/2');
    assert.deepEqual(summary.members, [
      { name: 'db', vm: 'shop-db', ready: true, components: [{ name: 'postgres', level: '16.2.0' }] },
      { name: 'app', vm: 'shop-app', ready: true, components: [{ name: 'os', level: '12.5' }] },
    ]);
  });

  it('is Reconciling while a VM starts, even though its guest agent has not reported yet', () => {
    const summary = summarize(
      [
        memberInventory({ member: db, vmName: 'shop-db', vm: vm('shop-db', { annotations: levels }) }),
        memberInventory({ member: app, vmName: 'shop-app', vm: vm('shop-app', { ready: false }) }),
      ],
      [],
      'blue',
    );
    assert.equal(summary.kstatus.state, 'Reconciling');
    assert.equal(summary.readyMembers, '1/2');
    assert.match(summary.kstatus.message ?? '', /member app: VM shop-app is not ready \(Starting\)/);
  });

  it('is Stalled with a reason naming what is wrong', () => {
    const missing = summarize([memberInventory({ member: db, vmName: 'shop-db' })], [], 'blue');
    assert.deepEqual([missing.kstatus.state, missing.kstatus.reason], ['Stalled', 'VirtualMachineNotFound']);
    assert.match(missing.kstatus.message ?? '', /VirtualMachine shop-db not found/);

    const taken = summarize(
      [
        memberInventory({
          member: db,
          vmName: 'shop-db',
          vm: vm('shop-db', { annotations: levels }),
          ownedBy: 'other',
        }),
      ],
      [],
      'blue',
    );
    assert.deepEqual([taken.kstatus.state, taken.kstatus.reason], ['Stalled', 'VirtualMachineOwnedElsewhere']);

    const unreadable = summarize([memberInventory({ member: db, vmName: 'shop-db', vm: vm('shop-db') })], [], 'blue');
    assert.deepEqual([unreadable.kstatus.state, unreadable.kstatus.reason], ['Stalled', 'LevelUnreadable']);

    const noService = summarize(
      [memberInventory({ member: db, vmName: 'shop-db', vm: vm('shop-db', { annotations: levels }) })],
      ['Service shop-web not found'],
      'blue',
    );
    assert.deepEqual([noService.kstatus.state, noService.kstatus.reason], ['Stalled', 'ServiceNotFound']);
  });
});
