#!/usr/bin/env node
// The vapp-operator command line: one binary (and one container image) for the operator, the data
// sync worker and the local sandbox. Each subcommand lives next to the code it drives.
import { Command } from 'commander';

/**
 * Subcommands load lazily: `datasync` runs inside the cut-over's downtime, and loading the
 * operator and the sandbox with it would add a second to every run.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./operator/run-command.ts')).runCommand(),
  datasync: async () => (await import('./datasync/command.ts')).datasyncCommand(),
  sandbox: async () => (await import('./sandbox/command.ts')).sandboxCommand(),
  demo: async () => (await import('./sandbox/demo/command.ts')).demoCommand(),
};

const program = new Command('vapp-operator')
  .description('Updates virtual appliances on KubeVirt by cloning them, with almost no downtime.')
  .showHelpAfterError();

const requested = process.argv[2];
const load = requested !== undefined && requested in COMMANDS ? [COMMANDS[requested]] : Object.values(COMMANDS);
for (const make of load) if (make) program.addCommand(await make());

await program.parseAsync(process.argv);
