// Runs `kubectl vapp ...` as a user does: the real kubectl finds the plugin on PATH and runs it.
// Two ways a user puts it there: node_modules/.bin (which also holds the project's Node 24), or
// links to the executables in a folder of their own, with the machine's Node (maybe older) next on
// PATH: the launcher then finds Node 24 itself. A kubeconfig of the sandbox's admin, with a default
// namespace, made by kubectl itself.
import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The folder with the kubectl-vapp executable. */
export const BIN_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../node_modules/.bin');

/** The machine's PATH without any node_modules/.bin (npm exec puts its own first). */
function machinePath(): string[] {
  return (process.env.PATH ?? '').split(path.delimiter).filter((d) => !d.endsWith(`node_modules${path.sep}.bin`));
}

/** PATH with node_modules/.bin first, as `export PATH=$PWD/node_modules/.bin:$PATH` makes it. */
export function pluginPath(): string {
  return [BIN_DIR, ...machinePath()].join(path.delimiter);
}

/**
 * PATH with `dir` first, holding links to the plugin's executables and no node: the machine's own
 * node comes next, whatever its version.
 */
export async function linkedPluginPath(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const bin = path.resolve(BIN_DIR, '../../bin');
  for (const name of ['kubectl-vapp', 'kubectl_complete-vapp'])
    await symlink(path.join(bin, `${name}.js`), path.join(dir, name));
  return [dir, ...machinePath()].join(path.delimiter);
}

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `kubectl ARGS...` with the plugin on PATH; never throws on a non-zero exit. */
export function kubectl(
  args: readonly string[],
  opts: { env?: Readonly<Record<string, string>>; input?: string; timeoutMs?: number; path?: string } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', args, {
      env: { ...process.env, PATH: opts.path ?? pluginPath(), NO_COLOR: '', ...opts.env },
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
