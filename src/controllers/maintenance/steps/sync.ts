// Syncing: pre-copy rounds of the data volumes into pristine replicas while the original serves
// (actions/sync-round.ts). After each round the cut-over's downtime is projected from what the
// rounds measured (projection.ts): pre-copy goes on while the projection exceeds
// spec.dataSync.downtimeBudgetSeconds and still shrinks, and stops once it fits and a round copied
// less than convergedBelow (or maxRounds were run). A projection that cannot fit fails the plan
// before the original is ever stopped. Each finished round is recorded in status with its projection.
import type { SyncRound } from '../../../api/v1alpha1/index.ts';
import { dataVolumes, type DataVolumeRef } from '../actions/data-volumes.ts';
import { ensureReplicas, growReplicas } from '../actions/replicas.ts';
import { isRoundResult, removeRound, roundRecord, syncRound } from '../actions/sync-round.ts';
import type { ClusterIO } from '../cluster-io.ts';
import type { StepFacts } from '../facts.ts';
import { done, failed, wait, type StepOutcome } from '../outcome.ts';
import { budgetDecision, projectDowntime } from '../projection.ts';
import { VMIS } from '../resources.ts';

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
  if (last !== undefined) {
    const project = (of: readonly SyncRound[]) => projection(facts, io, of);
    const current = project(rounds);
    const roundsLeft = facts.settings.maxRounds - rounds.length;
    const converged = last.bytes < facts.settings.convergedBelowBytes || roundsLeft <= 0;
    const summary = `${String(rounds.length)} round(s); the last copied ${String(last.bytes)} bytes`;
    // No round took measurable time: nothing to project from.
    if (current === undefined) {
      if (converged) return done(summary);
    } else {
      const decision = budgetDecision(current, project(rounds.slice(0, -1)), roundsLeft);
      if (decision.kind === 'cannotFit')
        return { ...failed('DowntimeBudgetExceeded', decision.message), record: { projection: current } };
      if (decision.kind === 'fits' && converged) {
        return done(
          `${summary}; projected downtime ${String(current.seconds)} s of ${String(current.budgetSeconds)} s`,
          { projection: current },
        );
      }
    }
  }
  return runPreCopyRound(facts, io, refs);
}

/**
 * Runs the next pre-copy round (also a fresh round while waiting for the window). Each round starts
 * from a fresh snapshot: the previous rounds' Jobs and claims go first. The last round's snapshot
 * stays until this round is applied: it is what the replicas hold, the base of a changed-block query.
 */
export async function runPreCopyRound(
  facts: StepFacts,
  io: ClusterIO,
  refs: readonly DataVolumeRef[],
): Promise<StepOutcome> {
  const rounds = facts.status.syncRounds;
  const last = rounds.at(-1);
  for (const r of rounds) await removeRound(facts, io, refs, r.round, 'forward', r === last);
  const round = rounds.length + 1;
  const result = await syncRound(facts, io, refs, round);
  if (!isRoundResult(result)) return result;
  const record = roundRecord(round, result, facts.now);
  const projected = projection(facts, io, [...rounds, record]);
  return wait(`round ${String(round)} copied ${String(result.bytes)} bytes`, {
    progress: `round ${String(round)}`,
    record: { syncRound: record, ...(projected ? { projection: projected } : {}) },
    requeueAfterMs: 1,
  });
}

function projection(facts: StepFacts, io: ClusterIO, rounds: readonly SyncRound[]) {
  return projectDowntime({
    rounds,
    measuredStartSeconds: cloneStartSeconds(facts, io),
    startOrderGroups: new Set(facts.members.map((m) => m.startOrder)).size,
    budgetSeconds: facts.plan.spec.dataSync.downtimeBudgetSeconds,
  });
}

/**
 * How long the clone took from its VM instances' creation to ready when it started (it runs with
 * scratch data until the cut-over), summed over start-order groups: the clone starts the same way
 * inside the downtime. Undefined until every clone VM is ready.
 */
export function cloneStartSeconds(facts: Pick<StepFacts, 'members' | 'toSlot'>, io: ClusterIO): number | undefined {
  const groups = new Map<number, number>();
  for (const member of facts.members) {
    const vm = io.vmOf(member.name, facts.toSlot);
    const vmi = vm?.metadata?.name ? io.get(VMIS, vm.metadata.name) : undefined;
    const created = vmi?.metadata?.creationTimestamp as string | undefined;
    const ready = vm?.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True')?.lastTransitionTime;
    if (created === undefined || ready === undefined || ready === null) return undefined;
    const seconds = Math.max(0, (Date.parse(ready) - Date.parse(created)) / 1000);
    groups.set(member.startOrder, Math.max(groups.get(member.startOrder) ?? 0, seconds));
  }
  return [...groups.values()].reduce((a, s) => a + s, 0);
}
