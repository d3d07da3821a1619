import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { restartsFinishedVmi, runIntent } from '../../../../src/sandbox/simulator/runstrategy.ts';
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
