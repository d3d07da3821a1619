// The projected downtime of the cut-over from what the pre-copy rounds measured, and the decision
// it drives: another round, cut over, or give up before the original is ever stopped (the model is
// KubeVirt's live-migration convergence: estimated downtime = what remains / the measured rate,
// switch over once it fits, abort when it stalls). Pure.
import type { DowntimeProjection, SyncRound } from '../../api/v1alpha1/index.ts';

/** Seconds to stop the originals: not measured before the cut-over (the originals never stop). */
export const STOP_SECONDS = 5;
/** Seconds from start to ready per start-order group, until the clone's start was measured. */
export const BOOT_SECONDS = 20;
/** A round must cut the projection by at least this fraction to count as still shrinking. */
export const SHRINK_FRACTION = 0.1;

export interface ProjectionInput {
  readonly rounds: readonly SyncRound[];
  /** Start to ready of the clone, summed over start-order groups, when measured (see cloneStartSeconds). */
  readonly measuredStartSeconds?: number | undefined;
  readonly startOrderGroups: number;
  readonly budgetSeconds: number;
}

/**
 * The final round is a warm worker reading the stopped original: it costs what the last round read
 * and wrote at the rounds' measured rate, without their fixed cost (snapshot, restore, Pod start).
 * The rate and the fixed cost come from the rounds: with two or more rounds of different sizes, a
 * least-squares fit of seconds = fixed + bytes / rate; otherwise all of a round's time is rate.
 * Bytes are what a round read plus what it wrote (compare mode reads both volumes whole: its
 * projection does not shrink with the changes, which is the truth of compare mode).
 */
export function projectDowntime(input: ProjectionInput): DowntimeProjection | undefined {
  const rounds = input.rounds.filter((r) => r.seconds > 0);
  const last = rounds.at(-1);
  if (last === undefined) return undefined;
  const moved = (r: SyncRound): number => (r.bytesRead ?? r.bytes) + (r.bytesWritten ?? r.bytes);
  const { fixed, rate } = fit(rounds.map((r) => ({ bytes: moved(r), seconds: r.seconds })));
  const finalDeltaSeconds = rate > 0 ? moved(last) / rate : 0;
  const startSeconds = input.measuredStartSeconds ?? input.startOrderGroups * BOOT_SECONDS;
  const seconds = round1(STOP_SECONDS + finalDeltaSeconds + startSeconds);
  return {
    seconds,
    stopSeconds: STOP_SECONDS,
    finalDeltaSeconds: round1(finalDeltaSeconds),
    startSeconds: round1(startSeconds),
    startMeasured: input.measuredStartSeconds !== undefined,
    roundFixedSeconds: round1(fixed),
    bytesPerSecond: Math.round(rate),
    budgetSeconds: input.budgetSeconds,
    fromRound: last.round,
  };
}

export type BudgetDecision =
  { readonly kind: 'fits' } | { readonly kind: 'shrinking' } | { readonly kind: 'cannotFit'; readonly message: string };

/**
 * Whether the projection fits the budget, still shrinks (another round may make it fit), or cannot
 * fit: it exceeds the budget and the last round did not cut it by SHRINK_FRACTION, or no round is
 * left.
 */
export function budgetDecision(
  current: DowntimeProjection,
  previous: DowntimeProjection | undefined,
  roundsLeft: number,
): BudgetDecision {
  if (current.seconds <= current.budgetSeconds) return { kind: 'fits' };
  const shrinking = previous === undefined || current.seconds < previous.seconds * (1 - SHRINK_FRACTION);
  if (shrinking && roundsLeft > 0) return { kind: 'shrinking' };
  const why = roundsLeft > 0 ? 'it no longer shrinks' : 'no pre-copy round is left (maxRounds)';
  return {
    kind: 'cannotFit',
    message:
      `projected downtime ${String(current.seconds)} s exceeds downtimeBudgetSeconds ${String(current.budgetSeconds)} s and ${why} ` +
      `(stop ${String(current.stopSeconds)} s + final delta ${String(current.finalDeltaSeconds)} s + start ${String(current.startSeconds)} s, ` +
      `after round ${String(current.fromRound)}); the original was not stopped`,
  };
}

function fit(points: readonly { bytes: number; seconds: number }[]): { fixed: number; rate: number } {
  const n = points.length;
  const sumB = points.reduce((a, p) => a + p.bytes, 0);
  const sumS = points.reduce((a, p) => a + p.seconds, 0);
  const max = Math.max(...points.map((p) => p.bytes));
  const min = Math.min(...points.map((p) => p.bytes));
  // Rounds of about the same size (compare mode reads both volumes whole) say nothing about a
  // fixed cost: a fit through them is noise.
  if (n >= 2 && max > 0 && (max - min) / max >= 0.5) {
    const meanB = sumB / n;
    const meanS = sumS / n;
    const cov = points.reduce((a, p) => a + (p.bytes - meanB) * (p.seconds - meanS), 0);
    const varB = points.reduce((a, p) => a + (p.bytes - meanB) ** 2, 0);
    const slope = varB > 0 ? cov / varB : 0;
    const fixed = meanS - slope * meanB;
    // A fit that makes no physical sense (more bytes, less time; a negative fixed cost) is not used.
    if (slope > 0 && fixed >= 0) return { fixed, rate: 1 / slope };
  }
  return { fixed: 0, rate: sumS > 0 ? sumB / sumS : 0 };
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
