// Runs `kubectl vapp ...` as a user does: the real kubectl finds the plugin (node_modules/.bin
// put first on PATH) and runs it, with whatever Node the machine has next on PATH (the launcher
// finds Node 24 itself). A kubeconfig of the sandbox's admin, with a default namespace, made by
// kubectl itself.
import { execFile, spawn } from 'node:child_process';
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The folder with the kubectl-vapp executable. */
export const BIN_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../node_modules/.bin');

/** PATH with the plugin first and no other node_modules/.bin (so the machine's own node comes next). */
export function pluginPath(): string {
  const rest = (process.env.PATH ?? '').split(path.delimiter).filter((d) => !d.endsWith(`node_modules${path.sep}.bin`));
  return [BIN_DIR, ...rest].join(path.delimiter);
}

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `kubectl ARGS...` with the plugin on PATH; never throws on a non-zero exit. */
export function kubectl(
  args: readonly string[],
  opts: { env?: Readonly<Record<string, string>>; input?: string; timeoutMs?: number } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', args, {
      env: { ...process.env, PATH: pluginPath(), NO_COLOR: '', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 120_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

/** A copy of `adminKubeconfig` whose context defaults to `namespace`, made with kubectl config. */
export async function userKubeconfig(adminKubeconfig: string, file: string, namespace: string): Promise<string> {
  await copyFile(adminKubeconfig, file);
  await promisify(execFile)('kubectl', [
    '--kubeconfig',
    file,
    'config',
    'set-context',
    '--current',
    `--namespace=${namespace}`,
  ]);
  return file;
}
