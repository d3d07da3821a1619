import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { memberProblem } from '../../../../src/controllers/maintenance/preflight.ts';
import type { VirtualMachine } from '../../../../src/kubevirt/types.ts';

function vm(edit: (v: VirtualMachine) => void = () => undefined): VirtualMachine {
  const v: VirtualMachine = {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachine',
    metadata: { name: 'shop-db', namespace: 'shop' },
    spec: {
      runStrategy: 'Always',
      template: {
        spec: {
          domain: { devices: { disks: [{ name: 'pgdata', disk: { bus: 'virtio' } }] } },
          volumes: [{ name: 'pgdata', persistentVolumeClaim: { claimName: 'shop-db-pgdata' } }],
        },
      },
    },
    status: { volumeSnapshotStatuses: [{ name: 'pgdata', enabled: true }] },
  };
  edit(v);
  return v;
}

const reason = (o: ReturnType<typeof memberProblem>) => (o?.kind === 'failed' ? o.reason : undefined);

describe('preflight of a member VM', () => {
  it('passes a VM KubeVirt can snapshot and clone', () => {
    assert.equal(memberProblem(vm(), 'db', ['pgdata']), undefined);
  });

  it('refuses a persistent TPM or EFI: KubeVirt cannot clone backend storage', () => {
    const tpm = memberProblem(
      vm((v) => (v.spec.template.spec!.domain.devices.tpm = { persistent: true })),
      'db',
      ['pgdata'],
    );
    assert.equal(reason(tpm), 'BackendStorageUnsupported');
    assert.match(tpm?.kind === 'failed' ? tpm.message : '', /member db: VM shop-db keeps a persistent TPM/);
    const efi = memberProblem(
      vm((v) => (v.spec.template.spec!.domain.firmware = { bootloader: { efi: { persistent: true } } })),
      'db',
      [],
    );
    assert.equal(reason(efi), 'BackendStorageUnsupported');
  });

  it('refuses a data volume given to the guest as a virtiofs filesystem', () => {
    const o = memberProblem(
      vm((v) => (v.spec.template.spec!.domain.devices.filesystems = [{ name: 'pgdata', virtiofs: {} }])),
      'db',
      ['pgdata'],
    );
    assert.equal(reason(o), 'DataVolumeIsFilesystem');
  });

  it("refuses a data volume KubeVirt will not snapshot, with KubeVirt's reason", () => {
    const o = memberProblem(
      vm((v) => {
        v.status = {
          volumeSnapshotStatuses: [
            { name: 'pgdata', enabled: false, reason: 'No VolumeSnapshotClass: Volume snapshots are not configured' },
          ],
        };
      }),
      'db',
      ['pgdata'],
    );
    assert.equal(reason(o), 'DataVolumeNotSnapshottable');
    assert.match(o?.kind === 'failed' ? o.message : '', /No VolumeSnapshotClass/);
  });

  it('does not judge a volume that is not a data volume, nor one KubeVirt has not reported yet', () => {
    const o = memberProblem(
      vm((v) => (v.status = { volumeSnapshotStatuses: [{ name: 'root', enabled: false, reason: 'containerDisk' }] })),
      'db',
      ['pgdata'],
    );
    assert.equal(o, undefined);
  });
});
