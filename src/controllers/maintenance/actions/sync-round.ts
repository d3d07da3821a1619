// One round of data delta sync over every data volume: snapshot the source PVC (CSI VolumeSnapshot),
// restore it into a round PVC and run the datasync worker as a Job from there into the target,
// writing exactly the blocks that changed. Forward rounds copy the original into the replicas
// (pre-copy and the cut-over's final delta); a reverse round copies the replicas back into the
// original's PVCs (a rollback). Every object has a deterministic name, so a restarted operator
// finds the round where it was.
import type { SyncRound } from '../../../api/v1alpha1/index.ts';
import { buildDatasyncJob, datasyncResultFromPod } from '../../../datasync/job.ts';
import { jobState } from '../../../runtime/job-state.ts';
import type { VolumeSnapshot } from '../../../runtime/kinds.ts';
import type { ClusterIO } from '../cluster-io.ts';
import type { StepFacts } from '../facts.ts';
import { failed, wait, type StepOutcome } from '../outcome.ts';
import { JOBS, PVCS, VOLUME_SNAPSHOTS } from '../resources.ts';
import { ANNOTATION_SNAPSHOT_CLASS, restoredClaim } from './claims.ts';
import type { DataVolumeRef } from './data-volumes.ts';
import { rangesPlan, replicaBase, type RangesPlan } from './changed-blocks.ts';
import type { V1Job } from '@kubernetes/client-node';

/** Which way a round copies: into the clone's replicas (forward) or back into the original's PVCs (reverse, for a rollback). */
export type SyncDirection = 'forward' | 'reverse';

/** A finished round: what it copied. */
export interface RoundResult {
  /** Bytes written. */
  readonly bytes: number;
  /** Bytes read, both sides. */
  readonly bytesRead: number;
  /** CSI when every volume's ranges came from SnapshotMetadata; Compare otherwise. */
  readonly rangesSource: 'CSI' | 'Compare';
  /** Why a volume compared instead (the first such volume's reason). */
  readonly rangesFallback?: string;
  readonly seconds: number;
  /** When its source snapshots were cut (the earliest; status.creationTime of the VolumeSnapshots). */
  readonly cutAt?: string;
}

type RoundFacts = Pick<StepFacts, 'now' | 'stepStartedAt' | 'settings' | 'names' | 'namespace' | 'labels' | 'owner'>;

/**
 * Runs round `round` over every data volume. Returns the round's result once every volume
 * finished, or the outcome to report meanwhile. The caller records it and removes its objects.
 */
export async function syncRound(
  facts: RoundFacts,
  io: ClusterIO,
  refs: readonly DataVolumeRef[],
  round: number,
  direction: SyncDirection = 'forward',
): Promise<RoundResult | StepOutcome> {
  let bytes = 0;
  let bytesRead = 0;
  let finished = 0;
  let startedAt: number | undefined;
  // The round's end on the API server's clock, like its start (the snapshots' creation): a skew of
  // the operator's clock must not count as sync time (it would mislead the downtime projection).
  let endedAt: number | undefined;
  let cutAt: string | undefined;
  const sources = new RangesTally();
  for (const ref of refs) {
    const name = roundName(facts, ref, round, direction);
    const replica = facts.names.replica(ref.member.name, ref.volume);
    const [sourceClaim, targetClaim] = direction === 'forward' ? [ref.claimName, replica] : [replica, ref.claimName];
    const snapshot = io.get(VOLUME_SNAPSHOTS, name);
    if (snapshot === undefined) {
      await io.create(VOLUME_SNAPSHOTS, roundSnapshot(facts, name, sourceClaim, io.get(PVCS, replica)));
      continue;
    }
    const created = snapshot.metadata?.creationTimestamp as string | undefined;
    if (created) startedAt = Math.min(startedAt ?? Number.POSITIVE_INFINITY, Date.parse(created));
    if (snapshot.status?.readyToUse !== true) {
      const waiting = unreadySnapshot(facts, snapshot, name);
      if (waiting !== undefined) return waiting;
      continue;
    }
    const cut = snapshot.status.creationTime;
    if (cut !== undefined && (cutAt === undefined || Date.parse(cut) < Date.parse(cutAt))) cutAt = cut;
    const original = io.get(PVCS, ref.claimName);
    const volumeMode = original?.spec?.volumeMode === 'Block' ? 'Block' : 'Filesystem';
    if (io.get(PVCS, name) === undefined) {
      await io.create(PVCS, restoredClaim(facts, name, original, name, snapshot.status.restoreSize));
      continue;
    }
    const job = io.get(JOBS, name);
    if (job === undefined) {
      // The replica holds the previous round's snapshot (kept until this round is applied), or
      // before round 1 the one it was restored from. A reverse round (a rollback) compares.
      const base = round > 1 ? roundName(facts, ref, round - 1, direction) : replicaBase(io.get(PVCS, replica));
      const ranges: RangesPlan =
        direction === 'forward'
          ? await rangesPlan(facts, io, base, name)
          : { kind: 'compare', reason: 'Reverse', message: 'a reverse round compares' };
      await io.create(
        JOBS,
        withRangesFallback(
          buildDatasyncJob({
            name,
            namespace: facts.namespace,
            image: facts.settings.datasyncImage,
            source: { claimName: name, volumeMode },
            target: { claimName: targetClaim, volumeMode },
            ...(ranges.kind === 'csi' ? { changedBlocks: ranges.source } : {}),
            labels: { ...facts.labels },
            ownerReferences: [facts.owner],
          }),
          direction === 'forward' ? ranges : undefined,
        ),
      );
      continue;
    }
    const state = jobState(job);
    if (state === 'Failed') return failed('SyncFailed', `data sync Job ${name} failed${resultMessage(io, name)}`);
    if (state !== 'Complete') {
      if (!started(io, name) && startOverdue(facts, created)) {
        return failed(
          'SyncTimeout',
          `data sync Job ${name} has not started ${overdue(facts)} (its Pod is not scheduled, or a volume is not bound)`,
        );
      }
      continue;
    }
    const result = podResult(io, name);
    if (result === undefined) continue;
    const completed = job.status?.completionTime;
    if (completed !== undefined) endedAt = Math.max(endedAt ?? 0, new Date(completed).getTime());
    sources.add(job, result);
    bytes += result.bytesWritten;
    bytesRead += result.bytesRead;
    finished++;
  }
  if (finished < refs.length) {
    return wait(`sync round ${String(round)}: ${String(finished)}/${String(refs.length)} volumes`, {
      progress: `round ${String(round)}`,
    });
  }
  return {
    bytes,
    bytesRead,
    ...sources.result(),
    seconds:
      startedAt === undefined || endedAt === undefined
        ? Math.max(0, (facts.now.getTime() - (startedAt ?? facts.now.getTime())) / 1000)
        : Math.max(0, (endedAt - startedAt) / 1000),
    ...(cutAt !== undefined ? { cutAt } : {}),
  };
}

/**
 * A round's VolumeSnapshot of `claim`, owned by the plan, in the class KubeVirt chose for the same
 * volume (noted on its replica): a cluster need not have a default one.
 */
export function roundSnapshot(
  facts: Pick<StepFacts, 'namespace' | 'labels' | 'owner'>,
  name: string,
  claim: string,
  replica: { metadata?: { annotations?: Record<string, string> } } | undefined,
): VolumeSnapshot {
  return {
    apiVersion: 'snapshot.storage.k8s.io/v1',
    kind: 'VolumeSnapshot',
    metadata: { name, namespace: facts.namespace, labels: { ...facts.labels }, ownerReferences: [facts.owner] },
    spec: { source: { persistentVolumeClaimName: claim }, ...snapshotClassOf(replica) },
  };
}

/** The VolumeSnapshotClass noted on a replica (see replicas.ts), as a VolumeSnapshot spec field. */
function snapshotClassOf(replica: { metadata?: { annotations?: Record<string, string> } } | undefined): {
  volumeSnapshotClassName?: string;
} {
  const name = replica?.metadata?.annotations?.[ANNOTATION_SNAPSHOT_CLASS];
  return name === undefined ? {} : { volumeSnapshotClassName: name };
}

export function isRoundResult(r: RoundResult | StepOutcome): r is RoundResult {
  return 'bytes' in r;
}

/** status.syncRounds[] entry of a finished round. */
export function roundRecord(round: number, result: RoundResult, finishedAt?: Date): SyncRound {
  return {
    round,
    ...(finishedAt ? { finishedAt: finishedAt.toISOString() } : {}),
    bytes: result.bytes,
    seconds: result.seconds,
    bytesRead: result.bytesRead,
    bytesWritten: result.bytes,
    rangesSource: result.rangesSource,
    ...(result.rangesFallback !== undefined ? { rangesFallback: result.rangesFallback } : {}),
  };
}

/** Whether status already records forward round `round`. */
export function roundRecorded(facts: Pick<StepFacts, 'status'>, round: number): boolean {
  return facts.status.syncRounds.some((r) => r.round === round);
}

function roundName(
  facts: Pick<StepFacts, 'names'>,
  ref: DataVolumeRef,
  round: number,
  direction: SyncDirection,
): string {
  return direction === 'forward'
    ? facts.names.round(ref.member.name, ref.volume, round)
    : facts.names.reverseRound(ref.member.name, ref.volume, round);
}

/**
 * Deletes the objects of a round. `keepSnapshot` keeps its VolumeSnapshot: the state the replicas
 * now hold, and so the base of the next round's changed-block query, until that round is applied.
 */
export async function removeRound(
  facts: Pick<StepFacts, 'names'>,
  io: ClusterIO,
  refs: readonly DataVolumeRef[],
  round: number,
  direction: SyncDirection = 'forward',
  keepSnapshot = false,
): Promise<void> {
  for (const ref of refs) {
    const name = roundName(facts, ref, round, direction);
    if (io.get(JOBS, name) !== undefined) await io.remove(JOBS, name);
    if (io.get(PVCS, name) !== undefined) await io.remove(PVCS, name);
    if (!keepSnapshot && io.get(VOLUME_SNAPSHOTS, name) !== undefined) await io.remove(VOLUME_SNAPSHOTS, name);
  }
}

/**
 * Whether a volume's round, begun when its snapshot was created, has still not started copying
 * after the step timeout. A copy that runs is never cut short (a large volume takes its time), but
 * a snapshot that never gets ready or a Job that is never scheduled must not hold the plan (or,
 * in the cut-over, the downtime) for ever. The round began no earlier than its step: the step's
 * start is on the operator's clock, so a skew from the API server's cannot fail a round at once.
 */
export function roundStartOverdue(at: {
  now: Date;
  stepStartedAt: Date;
  snapshotCreated: string | undefined;
  timeoutMs: number;
}): boolean {
  if (at.snapshotCreated === undefined) return false;
  const began = Math.max(at.stepStartedAt.getTime(), Date.parse(at.snapshotCreated));
  return at.now.getTime() - began > at.timeoutMs;
}

/**
 * What a round reports for its VolumeSnapshot that is not ready yet: nothing while it is simply on
 * its way; a wait naming the error the snapshot controller last saw (it retries, and clears the
 * error on success: external-snapshotter pkg/common-controller/snapshot_controller.go); a failure
 * once the round's start is overdue.
 */
export function unreadySnapshot(
  facts: Pick<StepFacts, 'now' | 'stepStartedAt' | 'settings'>,
  snapshot: VolumeSnapshot,
  name: string,
): StepOutcome | undefined {
  const error = snapshot.status?.error?.message;
  if (startOverdue(facts, snapshot.metadata?.creationTimestamp as string | undefined)) {
    return error !== undefined
      ? failed('SyncFailed', `volume snapshot ${name} failed: ${error}`)
      : failed('SyncTimeout', `volume snapshot ${name} is not ready ${overdue(facts)}`);
  }
  return error === undefined
    ? undefined
    : wait(`volume snapshot ${name} reports an error, retried until the round's deadline: ${error}`);
}

function startOverdue(
  facts: Pick<StepFacts, 'now' | 'stepStartedAt' | 'settings'>,
  snapshotCreated: string | undefined,
): boolean {
  return roundStartOverdue({
    now: facts.now,
    stepStartedAt: facts.stepStartedAt,
    snapshotCreated,
    timeoutMs: facts.settings.stepTimeoutMs,
  });
}

function overdue(facts: Pick<StepFacts, 'settings'>): string {
  return `${String(Math.round(facts.settings.stepTimeoutMs / 1000))} s after the round began`;
}

/** Whether a Pod of the Job has run (it was scheduled and its volumes attached). */
export function started(io: ClusterIO, job: string): boolean {
  return io
    .jobPods(job)
    .some((p) => p.status?.phase === 'Running' || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed');
}

export interface WorkerResult {
  readonly bytesWritten: number;
  readonly bytesRead: number;
  readonly rangesSource?: 'CSI' | 'Compare' | undefined;
  readonly rangesFallback?: { readonly reason: string; readonly message: string } | undefined;
}

export function podResult(io: ClusterIO, job: string): WorkerResult | undefined {
  for (const pod of io.jobPods(job)) {
    const result = datasyncResultFromPod(pod);
    if (result?.ok === true)
      return {
        bytesWritten: result.bytesWritten,
        bytesRead: result.bytesRead,
        rangesSource: result.rangesSource,
        rangesFallback: result.rangesFallback,
      };
  }
  return undefined;
}

/** Why the operator gave a worker no SnapshotMetadata service (noted on its Job, read at the round's end). */
export const ANNOTATION_RANGES_FALLBACK = 'vapp.dev/ranges-fallback';

export function withRangesFallback(job: V1Job, ranges: RangesPlan | undefined): V1Job {
  if (ranges?.kind !== 'compare') return job;
  const note = `${ranges.reason}: ${ranges.message}`.slice(0, 1024);
  return {
    ...job,
    metadata: { ...job.metadata, annotations: { ...job.metadata?.annotations, [ANNOTATION_RANGES_FALLBACK]: note } },
  };
}

/** A round's source of ranges: CSI only when every volume's came from the service. */
export class RangesTally {
  private csi = 0;
  private total = 0;
  private fallback: string | undefined;
  add(job: V1Job, result: WorkerResult): void {
    this.total++;
    if (result.rangesSource === 'CSI') {
      this.csi++;
      return;
    }
    const why =
      result.rangesFallback !== undefined
        ? `${result.rangesFallback.reason}: ${result.rangesFallback.message}`
        : job.metadata?.annotations?.[ANNOTATION_RANGES_FALLBACK];
    this.fallback ??= why?.slice(0, 1024);
  }
  result(): { rangesSource: 'CSI' | 'Compare'; rangesFallback?: string } {
    const rangesSource = this.total > 0 && this.csi === this.total ? 'CSI' : 'Compare';
    return {
      rangesSource,
      ...(rangesSource === 'Compare' && this.fallback !== undefined ? { rangesFallback: this.fallback } : {}),
    };
  }
}

export function resultMessage(io: ClusterIO, job: string): string {
  for (const pod of io.jobPods(job)) {
    const result = datasyncResultFromPod(pod);
    if (result?.ok === false) return `: ${result.error.code}: ${result.error.message}`;
  }
  return '';
}
