// How the version of a root disk is told, in order of trust, and what an unknown one says.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { VersionStatus } from '../../../../src/api/v1alpha1/index.ts';
import {
  findVersion,
  provenanceOf,
  versionLabel,
  type DiskLookup,
  type VersionCatalog,
} from '../../../../src/controllers/shared/provenance.ts';
import type { DataVolume, VirtualMachine } from '../../../../src/kubevirt/types.ts';
import { APPS, DIGEST_A, DIGEST_B, GOLDEN, IMPORT_A, IMPORT_B, memberVm, pvc, rootDv } from '../baseimage/fixtures.ts';

const version = (v: string, name: string, guestOS?: string): VersionStatus => ({
  version: v,
  label: versionLabel(v),
  displayVersion: guestOS ?? versionLabel(v),
  ...(guestOS ? { guestOS } : {}),
  source: { kind: 'VolumeSnapshot', namespace: GOLDEN, name },
  state: 'InUse',
  firstSeen: '2026-01-01T00:00:00Z',
  usage: { appliances: 0, retainedOriginals: 0, snapshots: 0, plans: 0, inFlightClones: 0, otherVMs: 0, unknown: 0 },
  holders: [],
});
const catalog: VersionCatalog = {
  image: 'golden/fedora',
  namespace: GOLDEN,
  versions: [version(DIGEST_B, IMPORT_B, '40.2'), version(DIGEST_A, IMPORT_A, '40.1')],
  guestField: 'versionId',
};

function lookup(dvs: DataVolume[], pvcs = [pvc(APPS, 'x-root')]): DiskLookup {
  return {
    dataVolume: (ns, name) => dvs.find((d) => d.metadata?.namespace === ns && d.metadata.name === name),
    pvc: (ns, name) => pvcs.find((p) => p.metadata?.namespace === ns && p.metadata?.name === name),
  };
}
const ofVm = (vm: VirtualMachine, l: DiskLookup, guest?: string) =>
  provenanceOf({
    catalog,
    vm,
    ...(guest
      ? {
          vmi: {
            metadata: { name: 'x', namespace: APPS },
            spec: { domain: { devices: {} } },
            status: { guestOSInfo: { versionId: guest } },
          },
        }
      : {}),
    volume: 'root',
    lookup: l,
  });

describe('provenance', () => {
  it('labels: 12 hex of a digest or uid, a safe form of anything else', () => {
    assert.equal(versionLabel(DIGEST_A), 'a1a1a1a1a1a1');
    assert.equal(versionLabel('uid:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0'), '0f1e2d3c4b5a');
    assert.equal(versionLabel('40.2'), '40.2');
    assert.equal(versionLabel('v1+build/7'), 'v1-build-7');
  });

  it('finds a version by id, label or a display name that names one', () => {
    assert.equal(findVersion(catalog, DIGEST_A)?.version, DIGEST_A);
    assert.equal(findVersion(catalog, 'b2b2b2b2b2b2')?.version, DIGEST_B);
    assert.equal(findVersion(catalog, '40.1')?.version, DIGEST_A);
    assert.equal(findVersion(catalog, '39'), undefined);
  });

  it("trusts the operator's annotations on the disk first", () => {
    const dv = rootDv(APPS, 'x-root', { snapshot: IMPORT_A });
    dv.metadata = {
      ...dv.metadata,
      annotations: { 'base.vapp.dev/image': 'golden/fedora', 'base.vapp.dev/version': DIGEST_B },
    };
    const p = ofVm(memberVm('x'), lookup([dv]));
    assert.deepEqual([p.determinedBy, p.version], ['Provenance', DIGEST_B]);
  });

  it("reads the DataVolume's source, the PVC's data source, CDI's endpoint digest", () => {
    assert.deepEqual(
      [ofVm(memberVm('x'), lookup([rootDv(APPS, 'x-root', { snapshot: IMPORT_A })]))].map((p) => [
        p.determinedBy,
        p.version,
        p.source,
      ]),
      [['DataVolumeSource', DIGEST_A, `VolumeSnapshot golden/${IMPORT_A}`]],
    );
    const fromPvc = ofVm(
      memberVm('x'),
      lookup(
        [],
        [
          pvc(APPS, 'x-root', {
            dataSourceRef: {
              apiGroup: 'snapshot.storage.k8s.io',
              kind: 'VolumeSnapshot',
              name: IMPORT_B,
              namespace: GOLDEN,
            },
          }),
        ],
      ),
    );
    assert.deepEqual([fromPvc.determinedBy, fromPvc.version], ['DataVolumeSource', DIGEST_B]);
    const imported = pvc(APPS, 'x-root');
    imported.metadata = {
      ...imported.metadata,
      annotations: { 'cdi.kubevirt.io/storage.import.endpoint': `docker://registry.example.com/os/fedora@${DIGEST_A}` },
    };
    assert.equal(ofVm(memberVm('x'), lookup([], [imported])).version, DIGEST_A);
  });

  it("falls back to the VM's annotation (as KubeVirt copies it to clones), then to the guest's report", () => {
    const clone = memberVm('x', { root: 'restore-1-root', annotations: { 'base.vapp.dev/version': '40.2' } });
    assert.deepEqual([ofVm(clone, lookup([])).determinedBy, ofVm(clone, lookup([])).version], ['Annotation', DIGEST_B]);
    const guessed = ofVm(memberVm('x', { root: 'restore-1-root' }), lookup([]), '40.1');
    assert.deepEqual([guessed.determinedBy, guessed.version, guessed.guestOS], ['GuestOS', DIGEST_A, '40.1']);
  });

  it('says why it cannot tell, and how to state the version', () => {
    const p = ofVm(memberVm('x'), lookup([rootDv(APPS, 'x-root', { sourceRef: true })]));
    assert.equal(p.determinedBy, 'Unknown');
    assert.equal(p.version, undefined);
    assert.match(
      p.message ?? '',
      /cloned through sourceRef DataSource golden\/fedora, which CDI does not record the version of/,
    );
    assert.match(
      p.message ?? '',
      /state it with: kubectl annotate vm -n apps x base\.vapp\.dev\/version=<version> \(versions of golden\/fedora: b2b2b2b2b2b2 \(40\.2\), a1a1a1a1a1a1 \(40\.1\)\)/,
    );
  });

  it('a containerDisk root: its tag in the repository of the image', () => {
    const cd: VersionCatalog = {
      ...catalog,
      repository: 'registry.example.com/os/fedora',
      versions: [
        { ...version('40.2', 'x'), source: { kind: 'ContainerImage', name: 'registry.example.com/os/fedora:40.2' } },
      ],
    };
    const vm = memberVm('x');
    vm.spec.template.spec = {
      domain: { devices: {} },
      volumes: [{ name: 'root', containerDisk: { image: 'registry.example.com/os/fedora:40.2' } }],
    };
    const p = provenanceOf({ catalog: cd, vm, volume: 'root', lookup: lookup([]) });
    assert.deepEqual([p.determinedBy, p.version], ['ContainerImage', '40.2']);
  });
});
