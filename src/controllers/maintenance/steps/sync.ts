// Step 7 (and the final delta of the cut-over): data delta sync into pristine replicas.
//
// Per data volume of each member: a replica PVC restored from the member's VirtualMachineSnapshot
// (the state the clone was made from; never attached to a running VM). A round snapshots the
// original's PVC (CSI VolumeSnapshot), restores that into a round PVC and runs the datasync worker
// as a Job from the round PVC into the replica, writing exactly the blocks that changed. Rounds
// repeat while the original serves, until a round copies less than convergedBelow or maxRounds.
import type { V1Job, V1PersistentVolumeClaim, V1Pod } from '@kubernetes/client-node';
import type { Member } from '../../../api/v1alpha1/index.ts';
import { buildDatasyncJob, datasyncResultFromPod } from '../../../datasync/job.ts';
import type { VirtualMachine, VirtualMachineSnapshot, VirtualMachineSnapshotContent } from '../../../kubevirt/types.ts';
import type { StepContext } from '../context.ts';
import { done, failed, wait, type StepOutcome } from '../outcome.ts';
import { parseQuantity } from '../quantities.ts';
import { JOBS, JOB_PODS, PVCS, VM_SNAPSHOTS, VM_SNAPSHOT_CONTENTS, VOLUME_SNAPSHOTS } from '../resources.ts';
import { jobState } from './jobs.ts';

/** A data volume of a member and the PVC behind it on the original. */
export interface DataVolumeRef {
  readonly member: Member;
  readonly volume: string;
  readonly claimName: string;
}

/** Every data volume of the appliance with the original's claim. */
export function dataVolumes(ctx: StepContext): DataVolumeRef[] | StepOutcome {
  const refs: DataVolumeRef[] = [];
  for (const member of ctx.members) {
    if (member.dataVolumes.length === 0) continue;
    const vm = ctx.vmOf(member.name, ctx.fromSlot);
    if (vm === undefined) return failed('OriginalNotFound', `member ${member.name}: no VM in slot ${ctx.fromSlot}`);
    for (const volume of member.dataVolumes) {
      const claimName = claimOf(vm, volume);
      if (claimName === undefined)
        return failed(
          'DataVolumeNotFound',
          `member ${member.name}: volume ${volume} of VM ${vm.metadata?.name ?? ''} is not a PVC or DataVolume`,
        );
      refs.push({ member, volume, claimName });
    }
  }
  return refs;
}

export function claimOf(vm: VirtualMachine, volume: string): string | undefined {
  const v = vm.spec.template.spec?.volumes?.find((x) => x.name === volume);
  return v?.persistentVolumeClaim?.claimName ?? v?.dataVolume?.name;
}

/** Pre-copy rounds until converged or maxRounds. */
export async function syncStep(ctx: StepContext): Promise<StepOutcome> {
  const refs = dataVolumes(ctx);
  if (!Array.isArray(refs)) return refs;
  if (refs.length === 0) return done('no data volumes to sync');
  const replicas = await ensureReplicas(ctx, refs);
  if (replicas.kind !== 'done') return replicas;

  const rounds = ctx.effects.syncRounds;
  const last = rounds.at(-1);
  const convergedBelow = parseQuantity(ctx.plan.spec.dataSync.convergedBelow);
  if (last !== undefined && (last.bytes < convergedBelow || rounds.length >= ctx.plan.spec.dataSync.maxRounds)) {
    return done(`${String(rounds.length)} round(s); the last copied ${String(last.bytes)} bytes`);
  }
  for (const r of rounds) await removeRound(ctx, refs, r.round);
  const round = await recordedRound(ctx, refs, rounds.length + 1);
  // A finished round is not the end of the step: the next pass decides whether it converged.
  return round.kind === 'done'
    ? wait(round.message ?? `round ${String(rounds.length + 1)} done`, {
        progress: `round ${String(rounds.length + 1)}`,
        requeueAfterMs: 1,
      })
    : round;
}

/** Which way a round copies: into the clone's replicas (forward) or back into the original's PVCs (reverse, for a rollback). */
export type SyncDirection = 'forward' | 'reverse';

/** A finished round: what it copied. */
export interface RoundResult {
  readonly bytes: number;
  readonly seconds: number;
  /** When its source snapshots were cut (the earliest; status.creationTime of the VolumeSnapshots). */
  readonly cutAt?: string;
}

/**
 * Runs one round over every data volume: snapshot the source PVC, restore it into a round PVC and
 * run the datasync Job from there into the target. Returns the round's result once every volume
 * finished, or the outcome to report meanwhile. The caller records it and removes its objects.
 */
export async function syncRound(
  ctx: StepContext,
  refs: readonly DataVolumeRef[],
  round: number,
  direction: SyncDirection = 'forward',
): Promise<RoundResult | StepOutcome> {
  let bytes = 0;
  let finished = 0;
  let startedAt = ctx.now.getTime();
  let cutAt: string | undefined;
  for (const ref of refs) {
    const name = roundName(ctx, ref, round, direction);
    const replica = ctx.names.replica(ref.member.name, ref.volume);
    const [sourceClaim, targetClaim] = direction === 'forward' ? [ref.claimName, replica] : [replica, ref.claimName];
    const snapshot = ctx.get<{
      metadata?: { creationTimestamp?: string };
      status?: { readyToUse?: boolean; creationTime?: string; error?: { message?: string } };
    }>(VOLUME_SNAPSHOTS, name);
    if (snapshot === undefined) {
      await ctx.create(VOLUME_SNAPSHOTS, {
        apiVersion: 'snapshot.storage.k8s.io/v1',
        kind: 'VolumeSnapshot',
        metadata: { name, namespace: ctx.namespace, labels: ctx.labels, ownerReferences: [ctx.owner] },
        spec: { source: { persistentVolumeClaimName: sourceClaim } },
      } as never);
      continue;
    }
    if (snapshot.metadata?.creationTimestamp)
      startedAt = Math.min(startedAt, Date.parse(snapshot.metadata.creationTimestamp));
    if (snapshot.status?.error?.message)
      return failed('SyncFailed', `volume snapshot ${name} failed: ${snapshot.status.error.message}`);
    if (snapshot.status?.readyToUse !== true) {
      if (startOverdue(ctx, snapshot))
        return failed('SyncTimeout', `volume snapshot ${name} is not ready ${overdue(ctx)}`);
      continue;
    }
    const cut = snapshot.status.creationTime;
    if (cut !== undefined && (cutAt === undefined || Date.parse(cut) < Date.parse(cutAt))) cutAt = cut;
    const original = ctx.get<V1PersistentVolumeClaim>(PVCS, ref.claimName);
    const volumeMode = original?.spec?.volumeMode === 'Block' ? 'Block' : 'Filesystem';
    if (ctx.get(PVCS, name) === undefined) {
      await ctx.create(PVCS, restoredClaim(ctx, name, original, { kind: 'VolumeSnapshot', name }));
      continue;
    }
    const job = ctx.get<V1Job>(JOBS, name);
    if (job === undefined) {
      await ctx.create(
        JOBS,
        buildDatasyncJob({
          name,
          namespace: ctx.namespace,
          image: ctx.options.datasyncImage,
          source: { claimName: name, volumeMode },
          target: { claimName: targetClaim, volumeMode },
          labels: ctx.labels,
          ownerReferences: [ctx.owner],
        }),
      );
      continue;
    }
    const state = jobState(job);
    if (state === 'Failed') return failed('SyncFailed', `data sync Job ${name} failed${resultMessage(ctx, name)}`);
    if (state !== 'Complete') {
      if (!started(ctx, name) && startOverdue(ctx, snapshot)) {
        return failed(
          'SyncTimeout',
          `data sync Job ${name} has not started ${overdue(ctx)} (its Pod is not scheduled, or a volume is not bound)`,
        );
      }
      continue;
    }
    const result = podResult(ctx, name);
    if (result === undefined) continue;
    bytes += result;
    finished++;
  }
  if (finished < refs.length) {
    return wait(`sync round ${String(round)}: ${String(finished)}/${String(refs.length)} volumes`, {
      progress: `round ${String(round)}`,
    });
  }
  return {
    bytes,
    seconds: Math.max(0, (ctx.now.getTime() - startedAt) / 1000),
    ...(cutAt !== undefined ? { cutAt } : {}),
  };
}

export function isRoundResult(r: RoundResult | StepOutcome): r is RoundResult {
  return 'bytes' in r;
}

function roundName(ctx: StepContext, ref: DataVolumeRef, round: number, direction: SyncDirection): string {
  return direction === 'forward'
    ? ctx.names.round(ref.member.name, ref.volume, round)
    : ctx.names.reverseRound(ref.member.name, ref.volume, round);
}

/** Deletes the objects of a finished round. */
export async function removeRound(
  ctx: StepContext,
  refs: readonly DataVolumeRef[],
  round: number,
  direction: SyncDirection = 'forward',
): Promise<void> {
  for (const ref of refs) {
    const name = roundName(ctx, ref, round, direction);
    if (ctx.get(JOBS, name) !== undefined) await ctx.remove(JOBS, name);
    if (ctx.get(PVCS, name) !== undefined) await ctx.remove(PVCS, name);
    if (ctx.get(VOLUME_SNAPSHOTS, name) !== undefined) await ctx.remove(VOLUME_SNAPSHOTS, name);
  }
}

/** Runs forward round `round` and records it in effects.syncRounds; done once recorded (`onResult` sees the result when it is recorded). */
export async function recordedRound(
  ctx: StepContext,
  refs: readonly DataVolumeRef[],
  round: number,
  onResult?: (r: RoundResult) => void,
): Promise<StepOutcome> {
  if (ctx.effects.syncRounds.some((r) => r.round === round)) return done();
  const result = await syncRound(ctx, refs, round);
  if (!isRoundResult(result)) return result;
  ctx.effects.syncRounds = [...ctx.effects.syncRounds, { round, bytes: result.bytes, seconds: result.seconds }];
  onResult?.(result);
  return done(`round ${String(round)} copied ${String(result.bytes)} bytes`);
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

function startOverdue(ctx: StepContext, snapshot: { metadata?: { creationTimestamp?: string } }): boolean {
  return roundStartOverdue({
    now: ctx.now,
    stepStartedAt: ctx.stepStartedAt,
    snapshotCreated: snapshot.metadata?.creationTimestamp,
    timeoutMs: ctx.options.stepTimeoutMs,
  });
}

function overdue(ctx: StepContext): string {
  return `${String(Math.round(ctx.options.stepTimeoutMs / 1000))} s after the round began`;
}

/** Whether a Pod of the Job has run (it was scheduled and its volumes attached). */
function started(ctx: StepContext, job: string): boolean {
  return pods(ctx, job).some(
    (p) => p.status?.phase === 'Running' || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed',
  );
}

function pods(ctx: StepContext, job: string): V1Pod[] {
  return ctx.deps.cache
    .informer<V1Pod>(JOB_PODS)
    .store.list()
    .filter((p) => p.metadata?.namespace === ctx.namespace && p.metadata.labels?.['job-name'] === job);
}

function podResult(ctx: StepContext, job: string): number | undefined {
  for (const pod of pods(ctx, job)) {
    const result = datasyncResultFromPod(pod);
    if (result?.ok === true) return result.bytesWritten;
  }
  return undefined;
}

function resultMessage(ctx: StepContext, job: string): string {
  for (const pod of pods(ctx, job)) {
    const result = datasyncResultFromPod(pod);
    if (result?.ok === false) return `: ${result.error.code}: ${result.error.message}`;
  }
  return '';
}

/** A PVC like `original`, restored from a VolumeSnapshot. */
function restoredClaim(
  ctx: StepContext,
  name: string,
  original: V1PersistentVolumeClaim | undefined,
  source: { kind: 'VolumeSnapshot'; name: string },
  size?: string,
): V1PersistentVolumeClaim {
  const spec = original?.spec;
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: ctx.namespace, labels: ctx.labels, ownerReferences: [ctx.owner] },
    spec: {
      accessModes: spec?.accessModes ?? ['ReadWriteOnce'],
      ...(spec?.storageClassName ? { storageClassName: spec.storageClassName } : {}),
      ...(spec?.volumeMode ? { volumeMode: spec.volumeMode } : {}),
      resources: { requests: { storage: size ?? spec?.resources?.requests?.storage ?? '1Gi' } },
      dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: source.kind, name: source.name },
    },
  };
}

/** Replicas of every data volume, restored from the VirtualMachineSnapshot the clone was made from. */
async function ensureReplicas(ctx: StepContext, refs: readonly DataVolumeRef[]): Promise<StepOutcome> {
  for (const ref of refs) {
    const name = ctx.names.replica(ref.member.name, ref.volume);
    if (ctx.get(PVCS, name) !== undefined) continue;
    const snapshot = ctx.get<VirtualMachineSnapshot>(VM_SNAPSHOTS, ctx.names.snapshot(ref.member.name));
    const content = ctx.get<VirtualMachineSnapshotContent>(
      VM_SNAPSHOT_CONTENTS,
      snapshot?.status?.virtualMachineSnapshotContentName ?? '',
    );
    const backup = content?.spec.volumeBackups?.find((b) => b.volumeName === ref.volume);
    if (backup?.volumeSnapshotName === undefined)
      return failed(
        'DataVolumeNotSnapshotted',
        `no volume snapshot of ${ref.member.name}/${ref.volume} in the member's VirtualMachineSnapshot`,
      );
    await ctx.create(
      PVCS,
      restoredClaim(ctx, name, ctx.get<V1PersistentVolumeClaim>(PVCS, ref.claimName), {
        kind: 'VolumeSnapshot',
        name: backup.volumeSnapshotName,
      }),
    );
  }
  return done();
}
