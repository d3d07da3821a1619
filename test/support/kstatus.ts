// kstatus of objects as Flux and kpt compute it: sigs.k8s.io/cli-utils/pkg/kstatus/status, run by
// tools/kstatus.
import { goHelper, runJson } from './go-helpers.ts';

export interface KStatus {
  readonly status: 'InProgress' | 'Current' | 'Failed' | 'Terminating' | 'NotFound' | 'Unknown';
  readonly message: string;
}

export async function kstatus(objects: readonly unknown[]): Promise<KStatus[]> {
  if (objects.length === 0) return [];
  return runJson<KStatus[]>(await goHelper('kstatus'), [], objects);
}
