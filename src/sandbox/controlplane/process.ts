// A child process of the control plane: output to a log file, stopped with SIGTERM then SIGKILL,
// and killed when this Node process exits (or, through its reaper, dies) so no server outlives the
// sandbox that started it.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, fstatSync, readSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** reaper.ts (or reaper.js once built): kills the server if this process dies without cleaning up. */
const REAPER = fileURLToPath(new URL(`./reaper${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url));

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A started server process. */
export interface ServerProcess {
  readonly name: string;
  readonly logFile: string;
  /** Resolves with the exit code (or signal) when the process ends. */
  readonly exited: Promise<string>;
  /** True until the process has exited. */
  isRunning(): boolean;
  /** What this run wrote to its log (the file may hold earlier runs' output before it). */
  output(): string;
  /** The last lines of this run's log, for error messages. */
  tail(lines?: number): string;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export function startProcess(
  name: string,
  command: string,
  args: readonly string[],
  logFile: string,
  opts: { readonly cwd?: string } = {},
): ServerProcess {
  const fd = openSync(logFile, 'a');
  const logStart = fstatSync(fd).size;
  const child = spawn(command, args, {
    stdio: ['ignore', fd, fd],
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
  });
  closeSync(fd);
  running.add(child);
  if (child.pid !== undefined) {
    spawn(process.execPath, [REAPER, String(process.pid), String(child.pid)], {
      detached: true,
      stdio: 'ignore',
    }).unref();
  }
  let alive = true;
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      alive = false;
      running.delete(child);
      resolve(signal ?? String(code));
    });
    child.once('error', (err) => {
      alive = false;
      running.delete(child);
      resolve(err.message);
    });
  });
  const output = (): string => {
    try {
      const log = openSync(logFile, 'r');
      try {
        const buffer = Buffer.alloc(Math.max(0, fstatSync(log).size - logStart));
        readSync(log, buffer, 0, buffer.length, logStart);
        return buffer.toString('utf8');
      } finally {
        closeSync(log);
      }
    } catch {
      return '';
    }
  };
  const tail = (lines = 20): string => output().trimEnd().split('\n').slice(-lines).join('\n');
  return {
    name,
    logFile,
    exited,
    isRunning: () => alive,
    output,
    tail,
    async stop(graceMs = 10_000) {
      if (!alive) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
