// `kubectl vapp get KIND [NAME]`: one subcommand per kind, each in its own module. A new kind (the
// fleet rollout) is one more module in KINDS.
import { Command } from 'commander';
import { getApplianceCommand } from './get-appliance.ts';
import { getPlanCommand } from './get-plan.ts';

const KINDS: readonly (() => Command)[] = [getApplianceCommand, getPlanCommand];

export function getCommand(): Command {
  const get = new Command('get')
    .summary('show an appliance or a plan')
    .description('Show an object of the vapp.dev API.');
  for (const kind of KINDS) get.addCommand(kind());
  return get;
}
