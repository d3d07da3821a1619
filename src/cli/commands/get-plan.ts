// `kubectl vapp get plan [NAME] [--watch]`: the plan's steps with state and progress bars, sync
// rounds, downtime against the budget, the window, conditions and last Events; without NAME, a
// table of the namespace's plans. --watch redraws in place until the plan ends and exits with the
// way it ended (errors.ts EXIT).
import { Command } from 'commander';
import { cliExamples } from '../help.ts';
import { eventsOf, RESOURCES } from '../cluster.ts';
import { connect, print, stdoutPalette } from '../context.ts';
import { CliError, EXIT } from '../errors.ts';
import { formatObject, outputOption, type OutputFormat } from '../output.ts';
import { columns, duration, secondsSince } from '../render.ts';
import { planFacts } from '../views/plan-facts.ts';
import { phaseLabel, planView } from '../views/plan-view.ts';
import type { WireEvent, WirePlan } from '../wire.ts';
import { watchOne } from './watch-one.ts';

/** The exit code for a plan that ended in `phase`; undefined while it has not ended. */
export function exitCodeOf(phase: string | undefined): number | undefined {
  switch (phase) {
    case 'Succeeded':
      return EXIT.ok;
    case 'Failed':
      return EXIT.failed;
    case 'Aborted':
      return EXIT.aborted;
    case 'RolledBack':
      return EXIT.rolledBack;
    default:
      return undefined;
  }
}

interface Flags {
  readonly watch?: boolean;
  readonly output?: OutputFormat;
}

export function getPlanCommand(): Command {
  return new Command('plan')
    .aliases(['plans', 'mplan', 'mp', 'maintenanceplan'])
    .summary('show a MaintenancePlan: steps, sync rounds, downtime, window, conditions, events')
    .description(
      'Show a MaintenancePlan: its steps with state and progress, the sync rounds, the projected and measured downtime against the budget, the window and when it opens, the conditions and the last Events. Without NAME, list the plans of the namespace.',
    )
    .argument('[name]', 'the plan')
    .option('-w, --watch', 'redraw on every change until the plan ends; the exit code says how it ended')
    .addOption(outputOption('the MaintenancePlan'))
    .addHelpText(
      'after',
      cliExamples([
        ['kubectl vapp get plan shop-2026-11', 'the plan as it is now'],
        ['kubectl vapp get plan shop-2026-11 --watch', 'follow it live until it ends'],
        ['kubectl vapp get plans -n shop', 'every plan of the namespace'],
        ['kubectl vapp get plan shop-2026-11 -o yaml', 'the object'],
      ]) +
        '\nExit codes with --watch: 0 Succeeded, 10 Failed, 11 Aborted, 12 RolledBack, 13 deleted while watched, 1 an error, 130 interrupted.\n',
    )
    .action(async (name: string | undefined, flags: Flags, cmd: Command) => {
      const cluster = connect(cmd);
      if (name === undefined) {
        if (flags.watch === true) throw new CliError('--watch needs a plan NAME');
        const plans = await cluster.list<WirePlan>(RESOURCES.plans);
        if (flags.output !== undefined) {
          process.stdout.write(formatObject({ apiVersion: 'v1', kind: 'List', items: plans }, flags.output));
          return;
        }
        print(planTable(plans));
        return;
      }
      const plan = await cluster.get<WirePlan>(RESOURCES.plans, name);
      if (flags.watch !== true) {
        if (flags.output !== undefined) {
          process.stdout.write(formatObject(plan, flags.output));
          return;
        }
        const events = await cluster
          .list<WireEvent>(RESOURCES.events, { fieldSelector: eventsOf('MaintenancePlan', name) })
          .catch(() => []);
        print(planView(planFacts(plan, events, new Date()), { palette: stdoutPalette(), now: new Date() }));
        return;
      }
      process.exitCode = await watchOne<WirePlan>(cluster, {
        resource: RESOURCES.plans,
        name,
        output: flags.output,
        view: (plan, events, o) => planView(planFacts(plan, events, o.now), o),
        exitCode: (plan) => exitCodeOf(plan.status?.phase),
      });
    });
}

function planTable(plans: readonly WirePlan[]): string[] {
  const p = stdoutPalette();
  if (plans.length === 0) return ['No MaintenancePlans found.'];
  const now = new Date();
  return columns([
    ['NAME', 'APPLIANCE', 'PHASE', 'PROGRESS', 'DOWNTIME', 'AGE'],
    ...plans.map((plan) => [
      plan.metadata?.name ?? '',
      plan.spec?.appliance ?? '',
      phaseLabel(plan.status?.phase ?? 'Pending', plan.spec?.suspend === true, p),
      plan.status?.progress ?? '',
      plan.status?.downtimeSeconds === undefined ? '' : duration(plan.status.downtimeSeconds),
      duration(secondsSince(plan.metadata?.creationTimestamp, now)),
    ]),
  ]);
}
