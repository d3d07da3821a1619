// The new root disk of a rebased member: cloned from the pinned import (never through sourceRef),
// at least as large as the old root and the import, with its provenance.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rootDiskManifest } from '../../../../../src/controllers/maintenance/actions/rebase.ts';
import { DIGEST_B, GOLDEN, IMPORT_B, appliance, pvc } from '../../baseimage/fixtures.ts';

const facts = {
  namespace: 'apps',
  labels: { 'vapp.dev/appliance': 'shop1', 'vapp.dev/plan': 'rebase-1' },
  owner: { apiVersion: 'vapp.dev/v1alpha1', kind: 'VirtualAppliance', name: 'shop1', uid: 'u1' },
};
const member = appliance('shop1', ['db']).spec.members[0]!;
const rebase = { member: 'db', image: 'golden/fedora', volume: 'root', from: 'sha256:a', to: DIGEST_B };
const to = (kind: 'VolumeSnapshot' | 'PersistentVolumeClaim', size: string) => ({
  version: DIGEST_B,
  label: 'b2b2b2b2b2b2',
  displayVersion: '40.2',
  source: { kind, namespace: GOLDEN, name: IMPORT_B, size },
  state: 'Latest' as const,
  firstSeen: '2026-01-01T00:00:00Z',
  usage: { appliances: 0, retainedOriginals: 0, snapshots: 0, plans: 0, inFlightClones: 0, otherVMs: 0, unknown: 0 },
  holders: [],
});

describe('the rebased root disk', () => {
  it('clones the pinned VolumeSnapshot, sized for the larger of the old root and its restoreSize', () => {
    const dv = rootDiskManifest(
      facts,
      { rebase, member, to: to('VolumeSnapshot', '2Gi') },
      'rebase-1-db-rebased-root',
      pvc('apps', 'old', { accessModes: ['ReadWriteOnce'] }),
    );
    assert.deepEqual(dv.spec.source, { snapshot: { namespace: GOLDEN, name: IMPORT_B } });
    assert.equal(dv.spec.sourceRef, undefined);
    assert.deepEqual(dv.spec.storage, { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } });
    assert.deepEqual(dv.metadata?.annotations, {
      'base.vapp.dev/image': 'golden/fedora',
      'base.vapp.dev/version': DIGEST_B,
      'base.vapp.dev/source': `VolumeSnapshot/${GOLDEN}/${IMPORT_B}`,
    });
    assert.deepEqual(dv.metadata?.labels, {
      'vapp.dev/appliance': 'shop1',
      'vapp.dev/plan': 'rebase-1',
      'vapp.dev/member': 'db',
    });
  });

  it('keeps the old root size when it is larger; a PVC import is cloned as a PVC', () => {
    const dv = rootDiskManifest(
      facts,
      { rebase, member, to: to('PersistentVolumeClaim', '32Mi') },
      'x',
      pvc('apps', 'old'),
    );
    assert.deepEqual(dv.spec.source, { pvc: { namespace: GOLDEN, name: IMPORT_B } });
    assert.equal(dv.spec.storage?.resources?.requests?.storage, '64Mi');
  });
});
