#!/usr/bin/env node
// The vapp-operator command line: one binary (and one container image) for the operator, the data
// sync worker and the local sandbox. Each subcommand lives next to the code it drives.
import { Command } from 'commander';
import { datasyncCommand } from './datasync/command.ts';
import { runCommand } from './operator/run-command.ts';
import { demoCommand } from './sandbox/demo/command.ts';
import { sandboxCommand } from './sandbox/command.ts';

const program = new Command('vapp-operator')
  .description('Updates virtual appliances on KubeVirt by cloning them, with almost no downtime.')
  .showHelpAfterError();

program.addCommand(runCommand());
program.addCommand(datasyncCommand());
program.addCommand(sandboxCommand());
program.addCommand(demoCommand());

await program.parseAsync(process.argv);
