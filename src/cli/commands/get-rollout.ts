// `kubectl vapp get rollout [NAME] [--watch]`: the fleet rollout's waves, counts, the plans in
// flight, what needs attention, the budgets used and the next window; without NAME, a table of the
// namespace's rollouts. --watch redraws in place until the rollout ends (Completed or Aborted) and
// exits with the way it ended (errors.ts EXIT).
import { Command } from 'commander';
import { cliExamples } from '../help.ts';
import { eventsOf, RESOURCES } from '../cluster.ts';
import { connect, print, stdoutPalette } from '../context.ts';
import { CliError, EXIT } from '../errors.ts';
import { formatObject, outputOption, type OutputFormat } from '../output.ts';
import { columns, duration, secondsSince } from '../render.ts';
import { rolloutFacts } from '../views/rollout-facts.ts';
import { rolloutPhaseLabel, rolloutView } from '../views/rollout-view.ts';
import type { WireEvent, WireRollout } from '../wire.ts';
import { watchOne } from './watch-one.ts';

/** The exit code for a rollout in `phase` once it ended; undefined while it goes on. */
export function rolloutExitCodeOf(phase: string | undefined): number | undefined {
  switch (phase) {
    case 'Completed':
      return EXIT.ok;
    case 'Aborted':
      return EXIT.aborted;
    default:
      return undefined;
  }
}

interface Flags {
  readonly watch?: boolean;
  readonly output?: OutputFormat;
}

export function getRolloutCommand(): Command {
  return new Command('rollout')
    .aliases(['rollouts', 'mroll', 'maintenancerollout'])
    .summary('show a MaintenanceRollout: waves, counts, plans in flight, needs attention, budgets')
    .description(
      'Show a MaintenanceRollout: its phase and the target of its revision, the counts of its appliances, the budgets (plans in flight, cutting over, unavailable appliances, failures) with how much of each is used, the next window, each wave with its state, the plans in flight, the appliances that need attention, the conditions and the last Events. Without NAME, list the rollouts of the namespace.',
    )
    .argument('[name]', 'the rollout')
    .option('-w, --watch', 'redraw on every change until the rollout ends; the exit code says how it ended')
    .addOption(outputOption('the MaintenanceRollout'))
    .addHelpText(
      'after',
      cliExamples([
        ['kubectl vapp get rollout shops-2026-12', 'the rollout as it is now'],
        ['kubectl vapp get rollout shops-2026-12 --watch', 'follow it live until it ends'],
        ['kubectl vapp get rollouts -n shop', 'every rollout of the namespace'],
        ['kubectl vapp get rollout shops-2026-12 -o json', 'the object'],
      ]) +
        '\nExit codes with --watch: 0 Completed, 11 Aborted, 13 deleted while watched, 1 an error, 130 interrupted. A rollout paused by its failures has not ended: the watch goes on until it is acknowledged or aborted.\n',
    )
    .action(async (name: string | undefined, flags: Flags, cmd: Command) => {
      const cluster = connect(cmd);
      if (name === undefined) {
        if (flags.watch === true) throw new CliError('--watch needs a rollout NAME');
        const rollouts = await cluster.list<WireRollout>(RESOURCES.rollouts);
        if (flags.output !== undefined) {
          process.stdout.write(formatObject({ apiVersion: 'v1', kind: 'List', items: rollouts }, flags.output));
          return;
        }
        print(rolloutTable(rollouts, new Date()));
        return;
      }
      const rollout = await cluster.get<WireRollout>(RESOURCES.rollouts, name);
      if (flags.watch !== true) {
        if (flags.output !== undefined) {
          process.stdout.write(formatObject(rollout, flags.output));
          return;
        }
        const events = await cluster
          .list<WireEvent>(RESOURCES.events, { fieldSelector: eventsOf('MaintenanceRollout', name) })
          .catch(() => []);
        const now = new Date();
        print(rolloutView(rolloutFacts(rollout, events, now), { palette: stdoutPalette(), now }));
        return;
      }
      process.exitCode = await watchOne<WireRollout>(cluster, {
        resource: RESOURCES.rollouts,
        name,
        output: flags.output,
        view: (rollout, events, o) => rolloutView(rolloutFacts(rollout, events, o.now), o),
        // The status must describe the latest spec: a Completed from before a change is not the end.
        exitCode: (rollout) =>
          (rollout.status?.observedGeneration ?? 0) >= (rollout.metadata?.generation ?? 0)
            ? rolloutExitCodeOf(rollout.status?.phase)
            : undefined,
      });
    });
}

/** The table of `get rollouts`. */
export function rolloutTable(rollouts: readonly WireRollout[], now: Date, p = stdoutPalette()): string[] {
  if (rollouts.length === 0) return ['No MaintenanceRollouts found.'];
  return columns([
    ['NAME', 'PHASE', 'PROGRESS', 'WAVE', 'FAILED', 'REVISION', 'AGE'],
    ...rollouts.map((r) => [
      r.metadata?.name ?? '',
      rolloutPhaseLabel(r.status?.phase ?? 'Pending', r.spec?.suspend === true, p),
      r.status?.progress ?? '',
      r.status?.currentWave ?? '',
      String(r.status?.failures?.count ?? 0),
      String(r.status?.revision ?? 0),
      duration(secondsSince(r.metadata?.creationTimestamp, now)),
    ]),
  ]);
}
