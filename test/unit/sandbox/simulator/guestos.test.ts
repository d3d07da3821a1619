import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { guestOsInfoFor, imageTag } from '../../../../src/sandbox/simulator/guestos.ts';
import { vmiForVm } from '../../../../src/sandbox/simulator/vmi.ts';
import { vm } from './fixtures.ts';

describe('guest OS info', () => {
  it('takes the tag of an image, ignoring registry ports and digests', () => {
    assert.equal(imageTag('registry.example.com/shop/db:16.2.0'), '16.2.0');
    assert.equal(imageTag('localhost:5000/db'), undefined);
    assert.equal(imageTag('localhost:5000/db:1.0@sha256:abc'), '1.0');
    assert.equal(imageTag('db'), undefined);
  });

  it('derives versionId from the first containerDisk image', () => {
    const { info, warning } = guestOsInfoFor(vmiForVm(vm()));
    assert.equal(info.versionId, '16.2.0');
    assert.equal(info.version, '16.2.0');
    assert.equal(info.id, 'sandbox');
    assert.equal(warning, undefined);
  });

  it('takes the fields of the sim.vapp.dev/guest-os template annotation over the derived ones', () => {
    const v = vm({
      templateAnnotations: {
        'sim.vapp.dev/guest-os': '{"id":"debian","versionId":12,"kernelRelease":"6.1.0-28-amd64","bogus":true}',
      },
    });
    const { info } = guestOsInfoFor(vmiForVm(v));
    assert.equal(info.id, 'debian');
    assert.equal(info.versionId, '12');
    assert.equal(info.kernelRelease, '6.1.0-28-amd64');
    assert.equal(info.version, '16.2.0');
    assert.equal((info as Record<string, unknown>).bogus, undefined);
  });

  it('warns and falls back when the annotation is not a JSON object', () => {
    const { info, warning } = guestOsInfoFor(vmiForVm(vm({ templateAnnotations: { 'sim.vapp.dev/guest-os': '12' } })));
    assert.equal(info.versionId, '16.2.0');
    assert.match(warning ?? '', /not a JSON object/);
  });
});
