import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { restoreRequest } from '../../../../../src/controllers/maintenance/actions/claims.ts';
import { cloneRestoreName, planCloneUIDs } from '../../../../../src/controllers/maintenance/actions/restored-claims.ts';
import type { MaintenancePlanStatus } from '../../../../../src/api/v1alpha1/index.ts';
import type { VirtualMachineClone } from '../../../../../src/kubevirt/types.ts';

const claim = (request: string, capacity?: string) => ({
  spec: { resources: { requests: { storage: request } } },
  ...(capacity !== undefined ? { status: { capacity: { storage: capacity } } } : {}),
});

describe('the size of a claim restored from a snapshot', () => {
  it("asks for the largest of the original's request, its capacity and the snapshot's restoreSize", () => {
    assert.equal(restoreRequest(claim('64Mi')), '64Mi');
    assert.equal(restoreRequest(claim('64Mi', '1Gi')), '1Gi', 'a driver that rounds up');
    assert.equal(restoreRequest(claim('10G', '10G'), '10Gi'), '10Gi', 'restoreSize above the request');
    assert.equal(restoreRequest(claim('2Gi', '2Gi'), '1Gi'), '2Gi');
  });
});

describe("the UIDs of a plan's clones", () => {
  const status = (cloneUIDs?: string[]) => ({ status: { cloneUIDs } as unknown as MaintenancePlanStatus });
  const clone = (uid: string) => ({ metadata: { uid } }) as VirtualMachineClone;

  it('are those recorded in status and those in the cache, once each', () => {
    assert.deepEqual(planCloneUIDs(status(['b']), [clone('a'), clone('b')]), ['a', 'b']);
    assert.deepEqual(planCloneUIDs(status(), [clone('a')]), ['a']);
    assert.deepEqual(planCloneUIDs(status(['a']), []), ['a'], 'a clone an undo deleted is still known');
  });

  it("name KubeVirt's restore of each clone", () => {
    assert.equal(cloneRestoreName('c-1'), 'tmp-restore-c-1');
  });
});
