// promtool (Debian's prometheus package, installed by `make system-deps`).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs promtool; a missing promtool is a set-up error that says how to fix it. */
export async function promtool(args: readonly string[], cwd?: string): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run('promtool', args, { cwd, timeout: 60_000 });
  } catch (err) {
    const e = err as { code?: string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT')
      throw new Error('promtool is not installed: run `make system-deps` (Debian package prometheus)', {
        cause: err,
      });
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: err });
  }
}
