// Bad input never hurts (test/support/manifest-fuzz.ts): 2,000 random and mutated manifests with a
// fixed seed, sent to the real API server with the operator running. `make fuzz` runs more.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runManifestFuzz } from '../../support/manifest-fuzz.ts';

const RUNS = 2_000;
const SEED = 17;

describe('random and mutated manifests', () => {
  it(`${String(RUNS)} of them: each refused naming a field or reported; the operator stays up and calm, the shop serves`, async () => {
    const { counts, violations } = await runManifestFuzz({ runs: RUNS, seed: SEED });
    console.log(`fuzz counts (seed ${String(SEED)}): ${JSON.stringify(counts)}`);
    assert.deepEqual(violations, []);
    assert.equal(counts.sent, RUNS);
    assert.equal(
      counts.refused + counts.ready + counts.stalled + counts.failed + counts.succeeded + counts.waiting,
      RUNS,
    );
    // The generator reaches every kind of answer: refusals by the schema and by the policies,
    // appliances stalled and plans failed with a reason, objects the operator is working on.
    for (const k of ['refused', 'refusedByPolicy', 'stalled', 'failed', 'succeeded'] as const)
      assert.ok(counts[k] > 0, `some manifests ${k}`);
    assert.ok(counts.ready + counts.waiting > 0, 'some objects admitted and in progress or ready');
    // No reconcile loop: a handful of reconciles per admitted object, not one per millisecond.
    const admitted = RUNS - counts.refused;
    assert.ok(
      counts.reconciles <= admitted * 20,
      `${String(counts.reconciles)} reconciles for ${String(admitted)} objects`,
    );
  });
});
