import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatEntry, liveEntries, parseLedger, type LedgerEntry } from '../../../../../src/sandbox/simulator/workload/ledger.ts';

const e = (seq: number, offset: number, time: string, length = 4096): LedgerEntry => ({ seq, offset, length, sha256: `h${String(seq)}`, time });

describe('workload ledger', () => {
  it('round-trips entries and ignores a torn last line, not a bad line in the middle', () => {
    const text = formatEntry(e(1, 0, 'T')) + formatEntry(e(2, 4096, 'T'));
    assert.deepEqual(parseLedger(text), [e(1, 0, 'T'), e(2, 4096, 'T')]);
    assert.deepEqual(parseLedger(`${text}{"seq":3,"off`), [e(1, 0, 'T'), e(2, 4096, 'T')]);
    assert.throws(() => parseLedger(`{"seq":3}\n${text}`), /line 1/);
  });

  it('checks the last write of each range before `until`; overwritten ones are superseded', () => {
    const entries = [
      e(1, 0, '2026-11-22T01:00:00.001Z'),
      e(2, 8192, '2026-11-22T01:00:00.002Z'),
      e(3, 0, '2026-11-22T01:00:00.003Z'),
      e(4, 2048, '2026-11-22T01:00:00.004Z'), // overlaps 3 partially
      e(5, 8192, '2026-11-22T01:00:00.010Z'),
    ];
    const all = liveEntries(entries);
    assert.deepEqual(all.live.map((x) => x.seq), [4, 5]);
    assert.equal(all.superseded, 3);
    const before = liveEntries(entries, new Date('2026-11-22T01:00:00.004Z'));
    assert.deepEqual(before.live.map((x) => x.seq), [2, 3]);
    assert.deepEqual([before.considered, before.superseded], [3, 1]);
  });
});
