// The cut-over's final round, with nothing the size of a volume and no object to provision inside
// the downtime: before the original is stopped, one warm worker Job per data volume is started on
// the original's node, with the original's own PVC (read-only; ReadWriteOnce allows Pods of one node)
// and the replica attached, and waits. Once the originals are down the operator gives each worker
// its go (an annotation on its Pod, which the kubelet projects into the Pod: see
// src/datasync/go-signal.ts); the worker copies the changed blocks and re-reads only what it wrote.
// No restored claim, no Pod start and no full verification inside the downtime. A worker that asks
// its CSI driver for the changed blocks needs a VolumeSnapshot of the stopped original as the
// target of GetMetadataDelta: it is cut once the originals are down (a copy-on-write snapshot is
// O(1) on storage that tracks changes) and the go waits for it to be ready; the worker still reads
// the original's PVC, which holds exactly that state.
import { buildDatasyncJob, DATASYNC_GO_ANNOTATION } from '../../../datasync/job.ts';
import { jobState } from '../../../runtime/job-state.ts';
import type { ClusterIO } from '../cluster-io.ts';
import type { StepFacts } from '../facts.ts';
import { failed, wait, type StepOutcome } from '../outcome.ts';
import type { V1Job } from '@kubernetes/client-node';
import { JOB_PODS, JOBS, PVCS, VMIS, VOLUME_SNAPSHOTS } from '../resources.ts';
import { rangesPlan, replicaBase } from './changed-blocks.ts';
import type { DataVolumeRef } from './data-volumes.ts';
import {
  podResult,
  RangesTally,
  resultMessage,
  roundSnapshot,
  unreadySnapshot,
  withRangesFallback,
  type RoundResult,
} from './sync-round.ts';

type FinalFacts = Pick<
  StepFacts,
  'now' | 'stepStartedAt' | 'settings' | 'names' | 'namespace' | 'labels' | 'owner' | 'fromSlot' | 'status'
>;

/**
 * Creates the warm workers of round `round` and reports done once every one runs (its volumes
 * attached, waiting for the go). Called while the original still serves.
 */
export async function prepareFinalRound(
  facts: FinalFacts,
  io: ClusterIO,
  refs: readonly DataVolumeRef[],
  round: number,
): Promise<StepOutcome> {
  let running = 0;
  for (const ref of refs) {
    const name = facts.names.round(ref.member.name, ref.volume, round);
    const job = io.get(JOBS, name);
    if (job === undefined) {
      await createWorker(facts, io, ref, name);
      continue;
    }
    if (jobState(job) === 'Failed')
      return failed('SyncFailed', `final data sync Job ${name} failed${resultMessage(io, name)}`);
    if (io.jobPods(name).some((p) => p.status?.phase === 'Running')) running++;
  }
  return running === refs.length
    ? { kind: 'done' }
    : wait(`preparing the final round: ${String(running)}/${String(refs.length)} workers waiting for their go`, {
        progress: `${String(running)}/${String(refs.length)} workers ready`,
      });
}

/**
 * Gives every warm worker of round `round` its go (again to a Pod the Job replaced) and returns
 * the round's result once every one finished, or the outcome to report meanwhile.
 */
export async function runFinalRound(
  facts: FinalFacts,
  io: ClusterIO,
  refs: readonly DataVolumeRef[],
  round: number,
  goAt: string,
): Promise<RoundResult | StepOutcome> {
  let bytes = 0;
  let bytesRead = 0;
  let finished = 0;
  const sources = new RangesTally();
  for (const ref of refs) {
    const name = facts.names.round(ref.member.name, ref.volume, round);
    const job = io.get(JOBS, name);
    if (job === undefined) {
      // Gone (or never made, by an operator before warm workers): made now, it starts inside the downtime.
      await createWorker(facts, io, ref, name);
      continue;
    }
    const state = jobState(job);
    if (state === 'Failed') return failed('SyncFailed', `final data sync Job ${name} failed${resultMessage(io, name)}`);
    if (state !== 'Complete') {
      if (usesChangedBlocks(job)) {
        const snapshot = io.get(VOLUME_SNAPSHOTS, name);
        if (snapshot === undefined) {
          const replica = io.get(PVCS, facts.names.replica(ref.member.name, ref.volume));
          await io.create(VOLUME_SNAPSHOTS, roundSnapshot(facts, name, ref.claimName, replica));
          continue;
        }
        if (snapshot.status?.readyToUse !== true) {
          // Retried by the snapshot controller as in any round; the step's deadline bounds the wait,
          // and a failure here ends the downtime with the original restarted.
          const waiting = unreadySnapshot(facts, snapshot, name);
          if (waiting !== undefined) return waiting;
          continue;
        }
      }
      for (const pod of io.jobPods(name)) {
        if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
        if (pod.metadata?.annotations?.[DATASYNC_GO_ANNOTATION] !== undefined) continue;
        await io.patch(JOB_PODS, pod.metadata?.name ?? '', {
          metadata: { annotations: { [DATASYNC_GO_ANNOTATION]: goAt } },
        });
      }
      continue;
    }
    const result = podResult(io, name);
    if (result === undefined) continue;
    sources.add(job, result);
    bytes += result.bytesWritten;
    bytesRead += result.bytesRead;
    finished++;
  }
  if (finished < refs.length) {
    return wait(`the final delta: ${String(finished)}/${String(refs.length)} volumes`, {
      progress: `${String(finished)}/${String(refs.length)} volumes`,
    });
  }
  return {
    bytes,
    bytesRead,
    ...sources.result(),
    seconds: Math.max(0, (facts.now.getTime() - Date.parse(goAt)) / 1000),
  };
}

async function createWorker(facts: FinalFacts, io: ClusterIO, ref: DataVolumeRef, name: string): Promise<void> {
  const original = io.get(PVCS, ref.claimName);
  const volumeMode = original?.spec?.volumeMode === 'Block' ? 'Block' : 'Filesystem';
  // The node of the original's VM instance (while it runs): a ReadWriteOnce claim stays attached there.
  const vm = io.vmOf(ref.member.name, facts.fromSlot);
  const node = vm?.metadata?.name ? io.get(VMIS, vm.metadata.name)?.status?.nodeName : undefined;
  // The base: the last pre-copy round's snapshot (what the replica holds), else the replica's own.
  const replica = facts.names.replica(ref.member.name, ref.volume);
  const last = facts.status.syncRounds.at(-1)?.round;
  const base =
    last !== undefined ? facts.names.round(ref.member.name, ref.volume, last) : replicaBase(io.get(PVCS, replica));
  const ranges = await rangesPlan(facts, io, base, name);
  await io.create(
    JOBS,
    withRangesFallback(
      buildDatasyncJob({
        name,
        namespace: facts.namespace,
        image: facts.settings.datasyncImage,
        source: { claimName: ref.claimName, volumeMode },
        target: { claimName: facts.names.replica(ref.member.name, ref.volume), volumeMode },
        verify: 'written',
        waitForGo: true,
        ...(ranges.kind === 'csi' ? { changedBlocks: ranges.source } : {}),
        ...(node ? { node } : {}),
        labels: { ...facts.labels },
        ownerReferences: [facts.owner],
      }),
      ranges,
    ),
  );
}

/** Whether a worker Job asks the SnapshotMetadata service (and so needs its target snapshot). */
function usesChangedBlocks(job: V1Job): boolean {
  return (job.spec?.template.spec?.containers ?? []).some((c) => (c.args ?? []).includes('--csi-target-snapshot'));
}
