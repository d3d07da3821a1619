import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { IN_FLIGHT_MS, verifyWritesCarriedOver } from '../../../../../src/sandbox/simulator/workload/history.ts';
import {
  formatEntry,
  liveEntries,
  parseLedger,
  sha256,
  type LedgerEntry,
} from '../../../../../src/sandbox/simulator/workload/ledger.ts';

const e = (seq: number, offset: number, time: string, length = 4096): LedgerEntry => ({
  seq,
  offset,
  length,
  sha256: `h${String(seq)}`,
  time,
});

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
    assert.deepEqual(
      all.live.map((x) => x.seq),
      [4, 5],
    );
    assert.equal(all.superseded, 3);
    const before = liveEntries(entries, new Date('2026-11-22T01:00:00.004Z'));
    assert.deepEqual(
      before.live.map((x) => x.seq),
      [2, 3],
    );
    assert.deepEqual([before.considered, before.superseded], [3, 1]);
  });
});

describe('verifyWritesCarriedOver', () => {
  it('finds each write of the ledger on the volume, except ranges rewritten later as their own ledger says', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'vapp-ledger-'));
    try {
      const block = (fill: number) => Buffer.alloc(4096, fill);
      const entry = (seq: number, offset: number, fill: number, time: string): LedgerEntry => ({
        seq,
        offset,
        length: 4096,
        sha256: sha256(block(fill)),
        time,
      });
      const volume = path.join(dir, 'replica.img');
      const original = path.join(dir, 'original.ledger.jsonl');
      const clone = path.join(dir, 'replica.ledger.jsonl');
      // The original wrote 1 at block 0 and 2 at block 1 before it stopped, 3 at block 2 after; the clone then rewrote block 1 with 9.
      await writeFile(volume, Buffer.concat([block(1), block(9), block(0)]));
      await writeFile(
        original,
        [
          entry(1, 0, 1, '2026-11-22T01:00:00.000Z'),
          entry(2, 4096, 2, '2026-11-22T01:00:01.000Z'),
          entry(3, 8192, 3, '2026-11-22T01:00:05.000Z'),
        ]
          .map(formatEntry)
          .join(''),
      );
      await writeFile(clone, formatEntry(entry(1, 4096, 9, '2026-11-22T01:00:06.000Z')));
      const until = new Date('2026-11-22T01:00:02.000Z');

      const report = await verifyWritesCarriedOver(volume, original, { until, overwrittenBy: [clone] });
      assert.deepEqual([report.ok, report.checked, report.superseded, report.missing], [true, 1, 1, []]);
      const withoutClone = await verifyWritesCarriedOver(volume, original, { until });
      assert.deepEqual(
        withoutClone.missing.map((m) => m.seq),
        [2],
        'the rewritten block is missing when nobody explains it',
      );
      const everything = await verifyWritesCarriedOver(volume, original);
      assert.deepEqual(
        everything.missing.map((m) => m.seq),
        [2, 3],
        'a write after `until` is missing when it counts',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('on a volume its writer still writes, leaves out the writes that may not have landed yet', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'vapp-ledger-'));
    try {
      const block = (fill: number) => Buffer.alloc(4096, fill);
      const entry = (seq: number, offset: number, fill: number, time: Date): LedgerEntry => ({
        seq,
        offset,
        length: 4096,
        sha256: sha256(block(fill)),
        time: time.toISOString(),
      });
      const volume = path.join(dir, 'db.img');
      const ledger = path.join(dir, 'db.ledger.jsonl');
      const now = Date.now();
      // Block 0 holds its write; block 1 an old write (seq 2) and a rewrite just ledgered, not yet made (seq 3).
      await writeFile(volume, Buffer.concat([block(1), block(2)]));
      await writeFile(
        ledger,
        [
          entry(1, 0, 1, new Date(now - 5_000)),
          entry(2, 4096, 2, new Date(now - 4_000)),
          entry(3, 4096, 3, new Date(now)),
        ]
          .map(formatEntry)
          .join(''),
      );
      const inFlight = await verifyWritesCarriedOver(volume, ledger, { stillWriting: true });
      assert.deepEqual(
        (await verifyWritesCarriedOver(volume, ledger)).missing.map((m) => m.seq),
        [3],
        'without stillWriting every write counts',
      );
      assert.deepEqual(
        [inFlight.ok, inFlight.checked, inFlight.missing],
        [true, 1, []],
        'seq 3 is in flight and seq 2 may be rewritten by it',
      );
      // Seconds later a write that still is not there is lost.
      await writeFile(
        ledger,
        [entry(1, 0, 1, new Date(now - 5_000)), entry(3, 4096, 3, new Date(now - 2 * IN_FLIGHT_MS))]
          .map(formatEntry)
          .join(''),
      );
      assert.deepEqual(
        (await verifyWritesCarriedOver(volume, ledger, { stillWriting: true })).missing.map((m) => m.seq),
        [3],
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
