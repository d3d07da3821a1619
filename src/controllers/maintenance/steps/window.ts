// WaitingForWindow: the cut-over waits until the maintenance window (spec.window) is open. Meanwhile
// the replicas are kept fresh (freshness.ts): a pre-copy round when the original has written more
// than convergedBelow since the last one, and one shortly before the window opens, so the final
// delta does not hold the writes of the whole wait. The plan looks again when the window opens (at
// most a minute later, for a clock change).
import { dataVolumes } from '../actions/data-volumes.ts';
import type { ClusterIO } from '../cluster-io.ts';
import type { StepFacts } from '../facts.ts';
import { freshRoundDue } from '../freshness.ts';
import { done, wait, type StepOutcome } from '../outcome.ts';
import { VOLUME_SNAPSHOTS } from '../resources.ts';
import { runPreCopyRound } from './sync.ts';

export async function windowStep(facts: StepFacts, io: ClusterIO): Promise<StepOutcome> {
  const w = facts.window;
  const refs = dataVolumes(facts, io);
  if (Array.isArray(refs) && refs.length > 0) {
    const next = facts.status.syncRounds.length + 1;
    const first = refs[0];
    // A round begun (its snapshots exist) is finished whatever the clock says now: the cut-over's
    // final round takes the next number.
    const begun =
      first !== undefined && io.get(VOLUME_SNAPSHOTS, facts.names.round(first.member.name, first.volume, next));
    const why = freshRoundDue({
      now: facts.now,
      opensAt: w.open ? undefined : w.opensAt,
      rounds: facts.status.syncRounds,
      convergedBelowBytes: facts.settings.convergedBelowBytes,
    });
    if (begun !== undefined || why !== undefined) {
      const round = await runPreCopyRound(facts, io, refs);
      if (round.kind !== 'wait' || round.record?.syncRound === undefined) return round;
      return {
        ...round,
        message: `fresh round ${String(next)} before the cut-over: ${round.message}${why ? ` (${why})` : ''}`,
      };
    }
  }
  if (w.open) return done();
  const untilOpen =
    w.opensAt === undefined ? 60_000 : Math.min(60_000, Math.max(100, w.opensAt.getTime() - facts.now.getTime()));
  return wait('waiting for the maintenance window', { requeueAfterMs: untilOpen });
}
