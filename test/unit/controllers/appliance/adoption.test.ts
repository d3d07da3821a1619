import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adoptionApply, isAdopted, memberLabels, ownershipOf } from '../../../../src/controllers/appliance/adoption.ts';
import { vm } from './fixtures.ts';

const shop = { name: 'shop', namespace: 'shop', uid: 'uid-shop' };
const owner = { apiVersion: 'vapp.dev/v1alpha1', kind: 'VirtualAppliance', name: 'shop', uid: 'uid-shop' };

describe('adoption', () => {
  it("tells free, ours and someone else's VMs apart", () => {
    assert.equal(ownershipOf(vm('a'), shop).state, 'free');
    assert.equal(ownershipOf(vm('a', { owners: [owner] }), shop).state, 'ours');
    assert.deepEqual(ownershipOf(vm('a', { owners: [{ ...owner, name: 'blog', uid: 'uid-blog' }] }), shop), {
      state: 'other',
      appliance: 'blog',
    });
    assert.deepEqual(ownershipOf(vm('a', { labels: { 'vapp.dev/appliance': 'blog' } }), shop), {
      state: 'other',
      appliance: 'blog',
    });
  });

  it('applies labels to the VM and its template, and an owner reference to the appliance', () => {
    const labels = memberLabels('shop', 'db', 'blue');
    const cfg = adoptionApply('shop-db', shop, labels);
    assert.deepEqual(cfg.metadata?.labels, {
      'vapp.dev/appliance': 'shop',
      'vapp.dev/member': 'db',
      'vapp.dev/slot': 'blue',
    });
    assert.deepEqual(cfg.spec.template.metadata?.labels, labels);
    assert.deepEqual(cfg.metadata.ownerReferences, [{ ...owner, blockOwnerDeletion: true }]);
    assert.equal(isAdopted(vm('shop-db'), shop, labels), false);
    const adopted = vm('shop-db', { owners: [owner], labels });
    adopted.spec.template.metadata = { labels };
    assert.equal(isAdopted(adopted, shop, labels), true);
  });
});
