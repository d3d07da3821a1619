// `kubectl vapp get plan [NAME] [--watch]`: the plan's steps with state and progress bars, sync
// rounds, downtime against the budget, the window, conditions and last Events; without NAME, a
// table of the namespace's plans. --watch redraws in place until the plan ends and exits with the
// way it ended (errors.ts EXIT).
import { Command } from 'commander';
import { cliExamples } from '../help.ts';
import { eventsOf, RESOURCES } from '../cluster.ts';
import { connect, print, stdoutPalette } from '../context.ts';
import { CliError, EXIT } from '../errors.ts';
import { formatObject, formatStreamed, outputOption, type OutputFormat } from '../output.ts';
import { columns, duration, secondsSince } from '../render.ts';
import { Screen } from '../screen.ts';
import { planFacts } from '../views/plan-facts.ts';
import { phaseLabel, planView } from '../views/plan-view.ts';
import type { WireEvent, WirePlan } from '../wire.ts';
import { untilInterrupted } from '../interrupt.ts';

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
      process.exitCode = await watchPlan(cluster, name, flags.output);
    });
}

/** Follows the plan until it ends; returns the exit code. */
async function watchPlan(
  cluster: ReturnType<typeof connect>,
  name: string,
  output: OutputFormat | undefined,
): Promise<number> {
  const screen = new Screen(process.stdout);
  const p = stdoutPalette();
  let seen = false;
  let firstOut = true;
  let lastVersion: string | undefined;
  let finish: ((code: number) => void) | undefined;
  const finished = new Promise<number>((resolve) => (finish = resolve));
  const live: { caches?: Awaited<ReturnType<typeof cluster.watch>> } = {};

  const draw = () => {
    const caches = live.caches;
    if (caches === undefined) return;
    const plan = caches.list<WirePlan>(0)[0];
    if (plan === undefined) {
      if (seen) finish?.(EXIT.deleted);
      return;
    }
    seen = true;
    if (output !== undefined) {
      if (plan.metadata?.resourceVersion !== lastVersion) {
        lastVersion = plan.metadata?.resourceVersion;
        process.stdout.write(formatStreamed(plan, output, firstOut));
        firstOut = false;
      }
    } else {
      const now = new Date();
      const events = caches.list<WireEvent>(1);
      const view = planView(planFacts(plan, events, now), {
        palette: p,
        now,
        ...(screen.width === undefined ? {} : { width: screen.width }),
      });
      screen.draw(
        screen.interactive
          ? [...view, '', p.dim(`watching · ${now.toTimeString().slice(0, 8)} · Ctrl-C to stop`)]
          : view,
      );
    }
    const code = exitCodeOf(plan.status?.phase);
    if (code !== undefined) finish?.(code);
  };
  let pending: NodeJS.Timeout | undefined;
  const schedule = () => {
    pending ??= setTimeout(() => {
      pending = undefined;
      draw();
    }, 50);
  };
  live.caches = await cluster.watch(
    [
      { resource: RESOURCES.plans, namespace: cluster.namespace, fieldSelector: `metadata.name=${name}` },
      { resource: RESOURCES.events, namespace: cluster.namespace, fieldSelector: eventsOf('MaintenancePlan', name) },
    ],
    schedule,
  );
  draw();
  // Elapsed times and the window's countdown move with the clock, not only with the objects.
  const tick = screen.interactive && output === undefined ? setInterval(draw, 1000) : undefined;
  try {
    return await untilInterrupted(finished);
  } finally {
    if (tick !== undefined) clearInterval(tick);
    if (pending !== undefined) clearTimeout(pending);
    screen.close();
    await live.caches.stop();
  }
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
