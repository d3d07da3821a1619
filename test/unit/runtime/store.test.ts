import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/runtime/object.ts';
import { labelIndex, namespaceIndex, objectKey, ownerUidIndex, splitKey, Store } from '../../../src/runtime/store.ts';

function vm(
  ns: string,
  name: string,
  labels: Record<string, string> = {},
  owners: string[] = [],
  rv = '1',
): KubeObject {
  return {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachine',
    metadata: {
      namespace: ns,
      name,
      labels,
      resourceVersion: rv,
      ownerReferences: owners.map((uid) => ({
        apiVersion: 'vapp.dev/v1alpha1',
        kind: 'VirtualAppliance',
        name: 'x',
        uid,
      })),
    },
  };
}

const names = (objs: KubeObject[]): string[] => objs.map(objectKey).sort();

describe('Store', () => {
  it('keys objects by namespace/name and splits keys back', () => {
    assert.equal(objectKey(vm('shop', 'db')), 'shop/db');
    assert.equal(objectKey({ metadata: { name: 'node-1' } }), 'node-1');
    assert.deepEqual(splitKey('shop/db'), { namespace: 'shop', name: 'db' });
    assert.deepEqual(splitKey('node-1'), { name: 'node-1' });
  });

  it('finds VMs by appliance label and by owner UID, following updates and deletes', () => {
    const s = new Store();
    s.addIndex('appliance', labelIndex('vapp.dev/appliance'));
    s.addIndex('owner', ownerUidIndex);
    s.upsert(vm('shop', 'db', { 'vapp.dev/appliance': 'shop' }, ['u1']));
    s.upsert(vm('shop', 'web', { 'vapp.dev/appliance': 'shop' }, ['u1']));
    s.upsert(vm('other', 'db', { 'vapp.dev/appliance': 'shop' }, ['u2']));
    assert.deepEqual(names(s.byIndex('appliance', 'shop/shop')), ['shop/db', 'shop/web']);
    assert.deepEqual(names(s.byIndex('owner', 'u2')), ['other/db']);

    const old = s.upsert(vm('shop', 'web', { 'vapp.dev/appliance': 'blog' }, ['u3'], '2'));
    assert.equal(old?.metadata?.resourceVersion, '1');
    assert.deepEqual(names(s.byIndex('appliance', 'shop/shop')), ['shop/db']);
    assert.deepEqual(names(s.byIndex('appliance', 'shop/blog')), ['shop/web']);
    assert.deepEqual(names(s.byIndex('owner', 'u1')), ['shop/db']);

    s.remove(vm('shop', 'db'));
    assert.deepEqual(s.byIndex('appliance', 'shop/shop'), []);
    assert.equal(s.get('shop/db'), undefined);
    assert.equal(s.size, 2);
  });

  it('indexes objects already cached when an index is added later', () => {
    const s = new Store();
    s.upsert(vm('a', 'x'));
    s.upsert(vm('b', 'y'));
    s.addIndex('ns', namespaceIndex);
    assert.deepEqual(names(s.byIndex('ns', 'b')), ['b/y']);
    assert.throws(() => s.addIndex('ns', namespaceIndex), /already exists/);
    assert.throws(() => s.byIndex('nope', 'x'), /no index/);
  });
});
