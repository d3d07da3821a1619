// `kubectl vapp get KIND [NAME]`: one subcommand per kind, each in its own module; a new kind is
// one more module in KINDS.
import { Command } from 'commander';
import { getApplianceCommand } from './get-appliance.ts';
import { getPlanCommand } from './get-plan.ts';
import { getRolloutCommand } from './get-rollout.ts';

const KINDS: readonly (() => Command)[] = [getApplianceCommand, getPlanCommand, getRolloutCommand];

export function getCommand(): Command {
  const get = new Command('get')
    .summary('show an appliance, a plan or a rollout')
    .description('Show an object of the vapp.dev API.');
  for (const kind of KINDS) get.addCommand(kind());
  return get;
}
