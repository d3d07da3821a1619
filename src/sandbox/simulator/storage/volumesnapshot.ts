// Pure decisions of the simulated CSI snapshotter for a VolumeSnapshot.
import type { VolumeSnapshotJson } from './json.ts';

export type VolumeSnapshotStatus = NonNullable<VolumeSnapshotJson['status']>;

/** Cut: the copy exists; ready a step later (as a CSI driver reports creationTime before readyToUse). */
export function cutStatus(creationTime: string, restoreSize: string): VolumeSnapshotStatus {
  return { creationTime, restoreSize, readyToUse: false };
}

export function readyStatus(vs: VolumeSnapshotJson): VolumeSnapshotStatus {
  return { ...vs.status, readyToUse: true };
}

export function errorStatus(vs: VolumeSnapshotJson, message: string, now: string): VolumeSnapshotStatus {
  return { ...vs.status, readyToUse: false, error: { message, time: now } };
}
