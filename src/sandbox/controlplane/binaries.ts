// Finds (building once if needed) the kube-apiserver, kube-controller-manager and etcd binaries.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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
 * The build script prints the folder on stdout and its progress on stderr, which is passed on as
 * it comes, so that a user sees why the first start is slow (and kept for the error if it fails).
 */
export async function ensureBinaries(): Promise<ControlPlaneBinaries> {
  const child = spawn('bash', [buildScript], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    process.stderr.write(chunk);
  });
  const code = await new Promise<number | string>((resolve) => {
    child.once('error', (err) => resolve(err.message));
    child.once('close', (exitCode, signal) => resolve(exitCode ?? signal ?? 'unknown'));
  });
  if (code !== 0) throw new Error(`building the control plane failed (${code}): ${stderr.trim()}`);
  const dir = stdout.trim().split('\n').at(-1) ?? '';
  return {
    dir,
    etcd: path.join(dir, 'etcd'),
    kubeApiServer: path.join(dir, 'kube-apiserver'),
    kubeControllerManager: path.join(dir, 'kube-controller-manager'),
  };
}
