import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiVersionOf, resourceId, resourceOfPath, resourcePath } from '../../../src/runtime/resources.ts';

const vms = { group: 'kubevirt.io', version: 'v1', plural: 'virtualmachines', kind: 'VirtualMachine' };
const pods = { group: '', version: 'v1', plural: 'pods', kind: 'Pod' };
const nodes = { group: '', version: 'v1', plural: 'nodes', kind: 'Node', namespaced: false };

describe('resource paths', () => {
  it('builds collection, object and subresource paths for core, grouped and cluster-scoped kinds', () => {
    assert.equal(resourcePath(vms), '/apis/kubevirt.io/v1/virtualmachines');
    assert.equal(
      resourcePath(vms, 'shop', 'db', 'status'),
      '/apis/kubevirt.io/v1/namespaces/shop/virtualmachines/db/status',
    );
    assert.equal(resourcePath(pods, 'shop'), '/api/v1/namespaces/shop/pods');
    assert.equal(resourcePath(nodes, 'ignored', 'n1'), '/api/v1/nodes/n1');
    assert.equal(apiVersionOf(pods), 'v1');
    assert.equal(apiVersionOf(vms), 'kubevirt.io/v1');
    assert.equal(resourceId(vms), 'virtualmachines.kubevirt.io/v1');
    assert.equal(
      resourceId({ ...pods, labelSelector: 'kubevirt.io=virt-launcher' }),
      'pods/v1?kubevirt.io=virt-launcher',
    );
    assert.equal(
      resourcePath({ ...pods, labelSelector: 'x' }, 'shop', 'p'),
      '/api/v1/namespaces/shop/pods/p',
      'a request by name ignores the selector',
    );
  });
});

describe('resourceOfPath', () => {
  it('names resources as the API server metrics do', () => {
    assert.equal(resourceOfPath('/api/v1/namespaces/ns/pods'), 'pods');
    assert.equal(resourceOfPath('/api/v1/namespaces/ns/pods/p1/status'), 'pods/status');
    assert.equal(resourceOfPath('/api/v1/namespaces/ns/pods/p1/binding?x=1'), 'pods/binding');
    assert.equal(
      resourceOfPath('/apis/kubevirt.io/v1/namespaces/ns/virtualmachines/vm'),
      'virtualmachines.kubevirt.io',
    );
    assert.equal(resourceOfPath('/apis/vapp.dev/v1alpha1/basearchives'), 'basearchives.vapp.dev');
    assert.equal(resourceOfPath('/api/v1/namespaces/ns'), 'namespaces');
    assert.equal(resourceOfPath('/api/v1/namespaces'), 'namespaces');
    assert.equal(resourceOfPath('/metrics'), '');
    assert.equal(resourceOfPath('/apis/vapp.dev/v1alpha1'), '');
  });
});
