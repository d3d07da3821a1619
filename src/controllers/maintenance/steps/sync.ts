// Syncing: pre-copy rounds of the data volumes into pristine replicas while the original serves
// (actions/sync-round.ts), until a round copies less than convergedBelow or maxRounds were run.
// Each finished round is recorded in status; the next pass decides whether it converged.
import { dataVolumes } from '../actions/data-volumes.ts';
import { ensureReplicas, growReplicas } from '../actions/replicas.ts';
import { isRoundResult, removeRound, roundRecord, syncRound } from '../actions/sync-round.ts';
import type { ClusterIO } from '../cluster-io.ts';
import type { StepFacts } from '../facts.ts';
import { done, wait, type StepOutcome } from '../outcome.ts';

export async function syncStep(facts: StepFacts, io: ClusterIO): Promise<StepOutcome> {
  const refs = dataVolumes(facts, io);
  if (!Array.isArray(refs)) return refs;
  if (refs.length === 0) return done('no data volumes to sync');
  const replicas = await ensureReplicas(facts, io, refs);
  if (replicas.kind !== 'done') return replicas;
  const grown = await growReplicas(facts, io, refs);
  if (grown.kind !== 'done') return grown;

  const rounds = facts.status.syncRounds;
  const last = rounds.at(-1);
  if (
    last !== undefined &&
    (last.bytes < facts.settings.convergedBelowBytes || rounds.length >= facts.settings.maxRounds)
  ) {
    return done(`${String(rounds.length)} round(s); the last copied ${String(last.bytes)} bytes`);
  }
  // Each round starts from a fresh snapshot: the previous rounds' Jobs and claims go first. The last
  // round's snapshot stays until this round is applied: it is what the replicas hold, the base of a
  // changed-block query.
  for (const r of rounds) await removeRound(facts, io, refs, r.round, 'forward', r === last);
  const round = rounds.length + 1;
  const result = await syncRound(facts, io, refs, round);
  if (!isRoundResult(result)) return result;
  return wait(`round ${String(round)} copied ${String(result.bytes)} bytes`, {
    progress: `round ${String(round)}`,
    record: { syncRound: roundRecord(round, result) },
    requeueAfterMs: 1,
  });
}
