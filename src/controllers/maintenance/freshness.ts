// Fresh replicas at the window: while a plan waits for its maintenance window, the original keeps
// writing and the final delta grows with the wait. A fresh pre-copy round is due when the writes
// accumulated since the last round (at the rate the rounds measured) exceed convergedBelow, and
// once shortly before the window opens (within the time a round takes), so the cut-over starts
// from a replica a round old. Pure.
import type { SyncRound } from '../../api/v1alpha1/index.ts';

export interface FreshnessInput {
  readonly now: Date;
  /** When the window opens; undefined when it is open (or there is none). */
  readonly opensAt?: Date | undefined;
  readonly rounds: readonly SyncRound[];
  readonly convergedBelowBytes: number;
}

/** Bytes per second the original writes: what the last round copied over the time since the round before it finished. */
export function writeRate(rounds: readonly SyncRound[]): number | undefined {
  const timed = rounds.filter((r) => r.finishedAt !== undefined);
  const last = timed.at(-1);
  const before = timed.at(-2);
  if (last?.finishedAt === undefined || before?.finishedAt === undefined) return undefined;
  const seconds = (Date.parse(last.finishedAt) - Date.parse(before.finishedAt)) / 1000;
  return seconds > 0 ? last.bytes / seconds : undefined;
}

/** Why a fresh round is due now, or undefined. */
export function freshRoundDue(input: FreshnessInput): string | undefined {
  const last = input.rounds.at(-1);
  if (last?.finishedAt === undefined) return undefined;
  const now = input.now.getTime();
  const age = Math.max(0, (now - Date.parse(last.finishedAt)) / 1000);
  const rate = writeRate(input.rounds);
  if (rate !== undefined && rate * age > input.convergedBelowBytes) {
    return `the original wrote about ${String(Math.round(rate * age))} bytes since round ${String(last.round)} (${String(Math.round(rate))} bytes/s for ${String(Math.round(age))} s), more than convergedBelow`;
  }
  if (input.opensAt !== undefined) {
    // A round takes about as long as the last one; start it that long (twice, for margin) before
    // the window opens, unless the last round was cut within that lead already.
    const lead = Math.max(60, 2 * last.seconds) * 1000;
    const untilOpen = input.opensAt.getTime() - now;
    if (untilOpen <= lead && Date.parse(last.finishedAt) < input.opensAt.getTime() - lead)
      return `the window opens in ${String(Math.round(untilOpen / 1000))} s: a fresh round before it`;
  }
  return undefined;
}
