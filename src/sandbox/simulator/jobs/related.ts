// The objects a Job Pod's work is about, whose fault annotations apply to it (after the Pod's own):
// the Job; for an update, the VM it updates; for a data sync, the volumes it reads and writes and
// the volume its source was restored from. The last lets a user fail the sync of a data volume by
// annotating that volume's PVC, although the operator syncs from a snapshot of it.
import type { VirtualMachine } from '../../../kubevirt/types.ts';
import { cached, type StorageContext } from '../storage/context.ts';
import type { AnnotatedObject } from '../storage/faults.ts';
import type { PvcJson, VolumeSnapshotJson } from '../storage/json.ts';
import { pvcSource } from '../storage/pvc.ts';
import { STORAGE_RESOURCES as R } from '../storage/resources.ts';
import type { JobWork, PathSource } from './classify.ts';
import type { JobJson } from './json.ts';

/** Nearest first: the Job, then what the work touches. */
export function relatedObjects(
  ctx: StorageContext,
  namespace: string,
  work: JobWork,
  job: JobJson | undefined,
): (AnnotatedObject | undefined)[] {
  switch (work.type) {
    case 'update':
      return [job, cached<VirtualMachine>(ctx, R.vms, namespace, work.vm)];
    case 'datasync':
      return [job, ...claimChain(ctx, namespace, work.source), ...claimChain(ctx, namespace, work.target)];
    default:
      return [job];
  }
}

/** The claim at `p` and, if it was restored from a VolumeSnapshot, the snapshot's source claim. */
function claimChain(ctx: StorageContext, namespace: string, p: PathSource): (AnnotatedObject | undefined)[] {
  if (p.kind !== 'pvc') return [];
  const claim = cached<PvcJson>(ctx, R.pvcs, namespace, p.claimName);
  const from = claim === undefined ? undefined : pvcSource(claim);
  if (from?.kind !== 'snapshot') return [claim];
  const origin = cached<VolumeSnapshotJson>(ctx, R.volumeSnapshots, namespace, from.name)?.spec.source
    .persistentVolumeClaimName;
  return [claim, origin === undefined ? undefined : cached<PvcJson>(ctx, R.pvcs, namespace, origin)];
}
