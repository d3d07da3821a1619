// Finds (building once if needed) the kube-apiserver, kube-controller-manager and etcd binaries.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const buildScript = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../tools/controlplane/build.sh');

/** Folder holding the control plane binaries. */
export interface ControlPlaneBinaries {
  readonly dir: string;
  readonly etcd: string;
  readonly kubeApiServer: string;
  readonly kubeControllerManager: string;
}

/**
 * Returns the cached binaries, building them first when the cache has none for this version.
 * The build script's own progress goes to stderr so a user sees why the first start is slow.
 */
export async function ensureBinaries(): Promise<ControlPlaneBinaries> {
  const { stdout } = await promisify(execFile)('bash', [buildScript], {
    maxBuffer: 16 * 1024 * 1024,
    env: process.env,
  }).catch((err: unknown) => {
    const e = err as { stderr?: string; message: string };
    throw new Error(`building the control plane failed: ${e.stderr?.trim() || e.message}`);
  });
  const dir = stdout.trim().split('\n').at(-1) ?? '';
  return {
    dir,
    etcd: path.join(dir, 'etcd'),
    kubeApiServer: path.join(dir, 'kube-apiserver'),
    kubeControllerManager: path.join(dir, 'kube-controller-manager'),
  };
}
