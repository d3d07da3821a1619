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

/** How long a write may be ledgered but not yet on the volume (the workload ledgers, then writes). */
export const IN_FLIGHT_MS = 1_000;

/**
 * Checks that `volumeFile` holds every write of `ledgerFile` made before `until`, except blocks
 * rewritten later on this volume as recorded in `overwrittenBy` (e.g. the clone's own ledger).
 * The volume may still be written to by the writers of `overwrittenBy`: the workload ledgers a write
 * before it makes it, and the check reads the volume before those ledgers, so every rewrite the read
 * saw is in them. With `stillWriting`, the writer of `ledgerFile` itself still writes: its writes of
 * the last IN_FLIGHT_MS may not have landed and are left out, its later ones count as rewrites.
 */
export async function verifyWritesCarriedOver(
  volumeFile: string,
  ledgerFile: string,
  opts: { until?: Date; overwrittenBy?: readonly string[]; stillWriting?: boolean } = {},
): Promise<LedgerReport> {
  const limit = Math.min(opts.until?.getTime() ?? Infinity, opts.stillWriting ? Date.now() - IN_FLIGHT_MS : Infinity);
  const entries = await entriesOf(ledgerFile);
  const { live, superseded, considered } = liveEntries(entries, Number.isFinite(limit) ? new Date(limit) : undefined);
  const absent = await missingEntries(volumeFile, live);
  const ownLater = opts.stillWriting ? (await entriesOf(ledgerFile)).filter((e) => Date.parse(e.time) >= limit) : [];
  const later = [...ownLater, ...(await Promise.all((opts.overwrittenBy ?? []).map(entriesOf))).flat()];
  const overlaps = (e: LedgerEntry) =>
    later.some((l) => l.offset < e.offset + e.length && e.offset < l.offset + l.length);
  const checked = live.filter((e) => !overlaps(e)).length;
  const missing = absent.filter((e) => !overlaps(e));
  return {
    ok: missing.length === 0,
    total: entries.length,
    considered,
    checked,
    superseded: superseded + live.length - checked,
    missing,
  };
}
