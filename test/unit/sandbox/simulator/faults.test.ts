import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { vmFaults } from '../../../../src/sandbox/simulator/faults.ts';
import { vm } from './fixtures.ts';

describe('vmFaults', () => {
  it('reads the annotations and lets option overrides win', () => {
    assert.deepEqual(vmFaults(vm()), { neverReady: false });
    assert.deepEqual(
      vmFaults(vm({ annotations: { 'sim.vapp.dev/never-ready': 'true', 'sim.vapp.dev/ready-delay-ms': '250' } })),
      { neverReady: true, readyDelayMs: 250 },
    );
    assert.deepEqual(vmFaults(vm({ annotations: { 'sim.vapp.dev/ready-delay-ms': 'soon' } })), { neverReady: false });
    assert.deepEqual(
      vmFaults(vm(), () => ({ neverReady: true })),
      { neverReady: true },
    );
  });
});
