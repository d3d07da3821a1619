// `vapp-operator demo`: the whole story on the embedded sandbox, in one terminal.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { runDemo } from './run.ts';

export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'Start the sandbox (control plane, KubeVirt simulator, operator), apply the sample appliance and maintain it',
    )
    .option('--dir <dir>', 'folder for the sandbox state', '.sandbox/demo')
    .option('--keep', 'keep the sandbox running at the end until Ctrl-C', false)
    .action(async (opts: { dir: string; keep: boolean }) => {
      const dir = path.resolve(opts.dir);
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      const ok = await runDemo({ dir, keep: opts.keep, out: process.stdout });
      process.exitCode = ok ? 0 : 1;
    });
}
