import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readLevel } from '../../../src/kubevirt/level-reader.ts';
import { vm, vmi } from '../controllers/appliance/fixtures.ts';

describe('readLevel', () => {
  it('reads the vapp.dev/levels annotation', () => {
    const machine = vm('db', { annotations: { 'vapp.dev/levels': '{"postgres":"16.2.0","pgbouncer":"1.22.0"}' } });
    assert.deepEqual(readLevel({ annotation: {} }, 'postgres', machine, undefined), { level: '16.2.0' });
  });

  it('explains a missing, malformed or incomplete annotation', () => {
    assert.match(
      (readLevel({ annotation: {} }, 'postgres', vm('db'), undefined) as { problem: string }).problem,
      /has no vapp.dev\/levels annotation/,
    );
    assert.match(
      (
        readLevel({ annotation: {} }, 'postgres', vm('db', { annotations: { 'vapp.dev/levels': '{' } }), undefined) as {
          problem: string;
        }
      ).problem,
      /is not JSON/,
    );
    assert.match(
      (
        readLevel(
          { annotation: {} },
          'redis',
          vm('db', { annotations: { 'vapp.dev/levels': '{"postgres":"1.0.0"}' } }),
          undefined,
        ) as { problem: string }
      ).problem,
      /no level for redis/,
    );
  });

  it('reads the tag of a containerDisk image and of a registry DataVolume template', () => {
    assert.deepEqual(
      readLevel({ image: { volume: 'root' } }, 'os', vm('app', { image: 'registry.example.com/os:41.1.0' }), undefined),
      { level: '41.1.0' },
    );
    const machine = vm('web');
    machine.spec.template.spec!.volumes!.push({ name: 'data', dataVolume: { name: 'web-root' } });
    assert.deepEqual(readLevel({ image: { volume: 'data' } }, 'nginx', machine, undefined), { level: '2.4.1' });
  });

  it('explains an unknown volume or an untagged image', () => {
    assert.match(
      (readLevel({ image: { volume: 'nope' } }, 'os', vm('app'), undefined) as { problem: string }).problem,
      /has no volume nope/,
    );
    assert.match(
      (
        readLevel({ image: { volume: 'root' } }, 'os', vm('app', { image: 'registry.example.com/os' }), undefined) as {
          problem: string;
        }
      ).problem,
      /has no tag/,
    );
  });

  it('reads the guest agent report of the VMI', () => {
    assert.deepEqual(
      readLevel(
        { guestOS: { field: 'kernelRelease' } },
        'kernel',
        vm('app'),
        vmi('app', { kernelRelease: '6.1.0', versionId: '12' }),
      ),
      { level: '6.1.0' },
    );
    assert.match(
      (readLevel({ guestOS: { field: 'versionId' } }, 'os', vm('app'), undefined) as { problem: string }).problem,
      /no guest agent report/,
    );
  });
});
