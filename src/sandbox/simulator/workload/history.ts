// The check across a cut-over: the original's writes (up to the moment it stopped) must be on the
// clone's data volume, except where the clone itself wrote afterwards (its own ledger).
import { readFile } from 'node:fs/promises';
import { liveEntries, missingEntries, parseLedger, type LedgerEntry, type LedgerReport } from './ledger.ts';

async function entriesOf(file: string): Promise<LedgerEntry[]> {
  try {
    return parseLedger(await readFile(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * Checks that `volumeFile` holds every write of `ledgerFile` made before `until`, except blocks
 * rewritten later on this volume as recorded in `overwrittenBy` (e.g. the clone's own ledger).
 */
export async function verifyWritesCarriedOver(volumeFile: string, ledgerFile: string, opts: { until?: Date; overwrittenBy?: readonly string[] } = {}): Promise<LedgerReport> {
  const entries = await entriesOf(ledgerFile);
  const { live, superseded, considered } = liveEntries(entries, opts.until);
  const later = (await Promise.all((opts.overwrittenBy ?? []).map(entriesOf))).flat();
  const overlaps = (e: LedgerEntry) => later.some((l) => l.offset < e.offset + e.length && e.offset < l.offset + l.length);
  const toCheck = live.filter((e) => !overlaps(e));
  const missing = await missingEntries(volumeFile, toCheck);
  return { ok: missing.length === 0, total: entries.length, considered, checked: toCheck.length, superseded: superseded + live.length - toCheck.length, missing };
}
