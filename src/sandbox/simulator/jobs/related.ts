// The objects a Job Pod's work is about, whose fault annotations apply to it (after the Pod's own):
// the Job; for an update, the VM it updates; for a data sync, the volumes it reads and writes and
// the volume its source was restored from. The last lets a user fail the sync of a data volume by
// annotating that volume's PVC, although the operator syncs from a snapshot of it.
import type { VirtualMachine } from '../../../kubevirt/types.ts';
import type { AnnotatedObject } from '../storage/faults.ts';
import { cached, type StorageContext } from '../storage/context.ts';
import { STORAGE_RESOURCES as R } from '../storage/resources.ts';
import type { JobWork, PathSource } from './classify.ts';
import type { JobJson } from './json.ts';

interface ClaimJson extends AnnotatedObject {
  spec?: { dataSource?: { kind?: string; name?: string } };
}

interface VolumeSnapshotJson extends AnnotatedObject {
  spec?: { source?: { persistentVolumeClaimName?: string } };
}

/** Nearest first: the Job, then what the work touches. */
export function relatedObjects(ctx: StorageContext, namespace: string, work: JobWork, job: JobJson | undefined): (AnnotatedObject | undefined)[] {
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
  const claim = cached<ClaimJson>(ctx, R.pvcs, namespace, p.claimName);
  const from = claim?.spec?.dataSource;
  if (from?.kind !== 'VolumeSnapshot' || from.name === undefined) return [claim];
  const snapshot = cached<VolumeSnapshotJson>(ctx, R.volumeSnapshots, namespace, from.name);
  const origin = snapshot?.spec?.source?.persistentVolumeClaimName;
  return [claim, origin === undefined ? undefined : cached<ClaimJson>(ctx, R.pvcs, namespace, origin)];
}
