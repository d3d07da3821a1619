// The workload's ledger: one JSON line per write to a volume (offset, length, SHA-256 of the bytes,
// time), and the check that every ledgered write is present in a volume file: the proof that a
// snapshot, a clone or a cut-over lost nothing.
import { createHash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';

export interface LedgerEntry {
  /** Order of the write on this volume (1, 2, ...). */
  readonly seq: number;
  readonly offset: number;
  readonly length: number;
  readonly sha256: string;
  /** When the write was made (ISO 8601 with milliseconds). */
  readonly time: string;
}

export function formatEntry(e: LedgerEntry): string {
  return `${JSON.stringify(e)}\n`;
}

/** Parses a ledger's text; a torn last line (a crash mid-append) is ignored, any other bad line throws. */
export function parseLedger(text: string): LedgerEntry[] {
  const lines = text.split('\n');
  const out: LedgerEntry[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      const v = JSON.parse(line) as LedgerEntry;
      if (
        !Number.isSafeInteger(v.offset) ||
        !Number.isSafeInteger(v.length) ||
        typeof v.sha256 !== 'string' ||
        typeof v.time !== 'string'
      )
        throw new Error('bad entry');
      out.push(v);
    } catch (err) {
      if (i === lines.length - 1) return; // torn tail
      throw new Error(`ledger line ${String(i + 1)} is not a ledger entry: ${(err as Error).message}`, { cause: err });
    }
  });
  return out;
}

/**
 * The entries to check in a volume that should hold every write made before `until`: those
 * before `until` that no later such write overlaps (an overwritten write is superseded: its
 * bytes are rightly gone).
 */
export function liveEntries(
  entries: readonly LedgerEntry[],
  until?: Date,
): { live: LedgerEntry[]; superseded: number; considered: number } {
  const limit = until?.getTime();
  const considered = entries.filter((e) => limit === undefined || Date.parse(e.time) < limit);
  const live: LedgerEntry[] = [];
  const later: { start: number; end: number }[] = [];
  let superseded = 0;
  for (let i = considered.length - 1; i >= 0; i--) {
    const e = considered[i];
    if (!e) continue;
    const start = e.offset;
    const end = e.offset + e.length;
    if (later.some((r) => r.start < end && start < r.end)) superseded++;
    else live.push(e);
    later.push({ start, end });
  }
  return { live: live.reverse(), superseded, considered: considered.length };
}

export interface LedgerReport {
  /** Every write that should be there is there. */
  readonly ok: boolean;
  /** Writes in the ledger, and those before `until`. */
  readonly total: number;
  readonly considered: number;
  /** Writes compared with the volume's bytes. */
  readonly checked: number;
  /** Writes overwritten by a later write before `until`. */
  readonly superseded: number;
  /** Writes whose bytes the volume does not hold. */
  readonly missing: LedgerEntry[];
}

/** Checks that `volumeFile` holds every write of `ledgerFile` made before `until` (default: all). */
export async function verifyLedger(
  volumeFile: string,
  ledgerFile: string,
  opts: { until?: Date } = {},
): Promise<LedgerReport> {
  let text = '';
  try {
    text = await readFile(ledgerFile, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const entries = parseLedger(text);
  const { live, superseded, considered } = liveEntries(entries, opts.until);
  const missing = await missingEntries(volumeFile, live);
  return { ok: missing.length === 0, total: entries.length, considered, checked: live.length, superseded, missing };
}

/** The entries whose bytes `volumeFile` does not hold. */
export async function missingEntries(volumeFile: string, entries: readonly LedgerEntry[]): Promise<LedgerEntry[]> {
  const missing: LedgerEntry[] = [];
  const handle = await open(volumeFile, 'r');
  try {
    for (const e of entries) {
      const buf = Buffer.alloc(e.length);
      const { bytesRead } = await handle.read(buf, 0, e.length, e.offset);
      if (bytesRead !== e.length || sha256(buf) !== e.sha256) missing.push(e);
    }
  } finally {
    await handle.close();
  }
  return missing;
}

export function sha256(buf: Uint8Array): string {
  return createHash('sha256').update(buf).digest('hex');
}
