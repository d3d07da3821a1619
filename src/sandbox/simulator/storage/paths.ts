// Where the simulated volumes live: one sparse file per PVC, one copy per CSI VolumeSnapshot.
import path from 'node:path';

/** `<volumesDir>/<namespace>/<pvc>.img` */
export function pvcFile(volumesDir: string, namespace: string, pvc: string): string {
  return path.join(volumesDir, safe(namespace), `${safe(pvc)}.img`);
}

/** `<volumesDir>/<namespace>/<pvc>.ledger.jsonl`: the workload's writes to that PVC. */
export function ledgerFile(volumesDir: string, namespace: string, pvc: string): string {
  return path.join(volumesDir, safe(namespace), `${safe(pvc)}.ledger.jsonl`);
}

/** `<volumesDir>/<namespace>/snapshots/<snapshot>.img` */
export function snapshotFile(volumesDir: string, namespace: string, snapshot: string): string {
  return path.join(volumesDir, safe(namespace), 'snapshots', `${safe(snapshot)}.img`);
}

/** Kubernetes names never contain a slash or start with a dot; refuse anything that would escape. */
function safe(name: string): string {
  if (name === '' || name.includes('/') || name.includes('\\') || name.startsWith('.'))
    throw new Error(`invalid object name "${name}"`);
  return name;
}
