import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ipam, ipOf } from '../../../../src/sandbox/simulator/ipam.ts';

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
