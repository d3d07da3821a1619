import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setCondition, type Condition } from '../../../../src/sandbox/simulator/conditions.ts';
import { vmFaults } from '../../../../src/sandbox/simulator/faults.ts';
import { guestOsInfoFor, imageTag } from '../../../../src/sandbox/simulator/guestos.ts';
import { Ipam, ipOf } from '../../../../src/sandbox/simulator/ipam.ts';
import { restartsFinishedVmi, runIntent } from '../../../../src/sandbox/simulator/runstrategy.ts';
import { vmiForVm } from '../../../../src/sandbox/simulator/vmi.ts';
import { vm } from './fixtures.ts';

describe('runIntent', () => {
  it('follows runStrategy, and the deprecated running flag when there is none', () => {
    assert.equal(runIntent(vm({ runStrategy: 'Always' })), 'run');
    assert.equal(runIntent(vm({ runStrategy: 'RerunOnFailure' })), 'run');
    assert.equal(runIntent(vm({ runStrategy: 'Halted' })), 'halt');
    assert.equal(runIntent(vm({ runStrategy: 'Manual' })), 'manual');
    assert.equal(runIntent(vm({ running: true })), 'run');
    assert.equal(runIntent(vm({ running: false })), 'halt');
    assert.equal(runIntent(vm()), 'halt');
  });

  it('restarts a finished VMI for Always, and for RerunOnFailure only after a failure', () => {
    assert.equal(restartsFinishedVmi(vm({ runStrategy: 'Always' }), 'Succeeded'), true);
    assert.equal(restartsFinishedVmi(vm({ runStrategy: 'RerunOnFailure' }), 'Failed'), true);
    assert.equal(restartsFinishedVmi(vm({ runStrategy: 'RerunOnFailure' }), 'Succeeded'), false);
    assert.equal(restartsFinishedVmi(vm({ runStrategy: 'Once' }), 'Failed'), false);
  });
});

describe('vmFaults', () => {
  it('reads the annotations and lets option overrides win', () => {
    assert.deepEqual(vmFaults(vm()), { neverReady: false });
    assert.deepEqual(vmFaults(vm({ annotations: { 'sim.vapp.dev/never-ready': 'true', 'sim.vapp.dev/ready-delay-ms': '250' } })), { neverReady: true, readyDelayMs: 250 });
    assert.deepEqual(vmFaults(vm({ annotations: { 'sim.vapp.dev/ready-delay-ms': 'soon' } })), { neverReady: false });
    assert.deepEqual(vmFaults(vm(), () => ({ neverReady: true })), { neverReady: true });
  });
});

describe('setCondition', () => {
  it('keeps lastTransitionTime while the status stays the same', () => {
    const a = setCondition<Condition>([], { type: 'Ready', status: 'False' }, 't1');
    const b = setCondition(a, { type: 'Ready', status: 'False', reason: 'X' }, 't2');
    assert.deepEqual(b, [{ type: 'Ready', status: 'False', reason: 'X', lastTransitionTime: 't1' }]);
    const c = setCondition(b, { type: 'Ready', status: 'True' }, 't3');
    assert.deepEqual(c, [{ type: 'Ready', status: 'True', lastTransitionTime: 't3' }]);
  });
});

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
    const v = vm({ templateAnnotations: { 'sim.vapp.dev/guest-os': '{"id":"debian","versionId":12,"kernelRelease":"6.1.0-28-amd64","bogus":true}' } });
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

describe('Ipam', () => {
  it('hands out 10.244.x.y round robin, one IP per Pod, and never a used one', () => {
    const ipam = new Ipam();
    assert.equal(ipam.allocate('a'), '10.244.0.2');
    assert.equal(ipam.allocate('a'), '10.244.0.2');
    ipam.observe('old', '10.244.0.3');
    assert.equal(ipam.allocate('b'), '10.244.0.4');
    ipam.release('a');
    assert.equal(ipam.allocate('c'), '10.244.0.5'); // not the freed .2 at once
    assert.equal(ipOf(256), '10.244.1.0');
    assert.equal(ipam.size, 3);
  });
});
