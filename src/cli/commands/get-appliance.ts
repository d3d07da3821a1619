// `kubectl vapp get appliance [NAME] [--watch]`: the tree of an appliance (members, the VMs of each
// slot with readiness and levels, the Services and the slot they select, the active plan); without
// NAME, a table of the namespace's appliances. --watch redraws in place until interrupted.
import { Command } from 'commander';
import { LABEL_APPLIANCE } from '../../api/v1alpha1/index.ts';
import { RESOURCES, type Cluster } from '../cluster.ts';
import { connect, print, stdoutPalette } from '../context.ts';
import { CliError } from '../errors.ts';
import { cliExamples } from '../help.ts';
import { untilInterrupted } from '../interrupt.ts';
import { formatObject, formatStreamed, outputOption, type OutputFormat } from '../output.ts';
import { columns, duration, secondsSince } from '../render.ts';
import { Screen } from '../screen.ts';
import { applianceFacts, type ApplianceInputs } from '../views/appliance-facts.ts';
import { applianceTree } from '../views/appliance-view.ts';
import { phaseLabel } from '../views/plan-view.ts';
import type { WireAppliance, WirePlan, WireService, WireVm, WireVmi } from '../wire.ts';

interface Flags {
  readonly watch?: boolean;
  readonly output?: OutputFormat;
}

export function getApplianceCommand(): Command {
  return new Command('appliance')
    .aliases(['appliances', 'vapp', 'virtualappliance'])
    .summary('show a VirtualAppliance as a tree: members, VMs per slot, Services, active plan')
    .description(
      "Show a VirtualAppliance as a tree: each member with the VMs of each slot (serving, a plan's clone, the retained original) with readiness and component levels, the Services and the slot they select, and the active plan. Without NAME, list the appliances of the namespace. -o json|yaml prints the same facts for scripts.",
    )
    .argument('[name]', 'the appliance')
    .option('-w, --watch', 'redraw on every change, until interrupted')
    .addOption(outputOption("the tree's facts"))
    .addHelpText(
      'after',
      cliExamples([
        ['kubectl vapp get appliance shop', 'the tree of the shop appliance'],
        ['kubectl vapp get appliance shop --watch', 'follow it live during a maintenance'],
        ['kubectl vapp get appliances -n shop', 'every appliance of the namespace'],
      ]),
    )
    .action(async (name: string | undefined, flags: Flags, cmd: Command) => {
      const cluster = connect(cmd);
      if (name === undefined) {
        if (flags.watch === true) throw new CliError('--watch needs an appliance NAME');
        const appliances = await cluster.list<WireAppliance>(RESOURCES.appliances);
        if (flags.output !== undefined) {
          process.stdout.write(formatObject({ apiVersion: 'v1', kind: 'List', items: appliances }, flags.output));
          return;
        }
        print(await applianceTable(cluster, appliances));
        return;
      }
      if (flags.watch !== true) {
        const facts = applianceFacts(await readInputs(cluster, name));
        if (flags.output !== undefined) process.stdout.write(formatObject(facts, flags.output));
        else print(applianceTree(facts, { palette: stdoutPalette() }));
        return;
      }
      await cluster.get(RESOURCES.appliances, name);
      process.exitCode = await watchAppliance(cluster, name, flags.output);
    });
}

async function readInputs(cluster: Cluster, name: string): Promise<ApplianceInputs> {
  const appliance = await cluster.get<WireAppliance>(RESOURCES.appliances, name);
  const selector = { labelSelector: `${LABEL_APPLIANCE}=${name}` };
  const [vms, vmis, services, plans] = await Promise.all([
    cluster.list<WireVm>(RESOURCES.vms, selector),
    cluster.list<WireVmi>(RESOURCES.vmis, selector).catch(() => []),
    cluster.list<WireService>(RESOURCES.services),
    cluster.list<WirePlan>(RESOURCES.plans),
  ]);
  return { appliance, vms, vmis, services, plans };
}

async function watchAppliance(cluster: Cluster, name: string, output: OutputFormat | undefined): Promise<number> {
  const screen = new Screen(process.stdout);
  const p = stdoutPalette();
  const ns = cluster.namespace;
  const selector = `${LABEL_APPLIANCE}=${name}`;
  let firstOut = true;
  let last = '';
  const live: { caches?: Awaited<ReturnType<Cluster['watch']>> } = {};
  const draw = () => {
    const caches = live.caches;
    if (caches === undefined) return;
    const appliance = caches.list<WireAppliance>(0)[0];
    if (appliance === undefined) {
      screen.draw([p.yellow(`VirtualAppliance ${name} not found in namespace ${ns} (waiting for it)`)]);
      return;
    }
    const facts = applianceFacts({
      appliance,
      vms: caches.list<WireVm>(1),
      vmis: caches.list<WireVmi>(2),
      services: caches.list<WireService>(3),
      plans: caches.list<WirePlan>(4),
    });
    if (output !== undefined) {
      const text = JSON.stringify(facts);
      if (text !== last) process.stdout.write(formatStreamed(facts, output, firstOut));
      last = text;
      firstOut = false;
      return;
    }
    const lines = applianceTree(facts, { palette: p, ...(screen.width === undefined ? {} : { width: screen.width }) });
    screen.draw(
      screen.interactive
        ? [...lines, '', p.dim(`watching · ${new Date().toTimeString().slice(0, 8)} · Ctrl-C to stop`)]
        : lines,
    );
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
      { resource: RESOURCES.appliances, namespace: ns, fieldSelector: `metadata.name=${name}` },
      { resource: RESOURCES.vms, namespace: ns, labelSelector: selector },
      { resource: RESOURCES.vmis, namespace: ns, labelSelector: selector },
      { resource: RESOURCES.services, namespace: ns },
      { resource: RESOURCES.plans, namespace: ns },
    ],
    schedule,
  );
  draw();
  const tick = screen.interactive && output === undefined ? setInterval(draw, 1000) : undefined;
  try {
    // Ctrl-C is how this watch stops: a normal end.
    await untilInterrupted(new Promise<number>(() => undefined));
    return 0;
  } finally {
    if (tick !== undefined) clearInterval(tick);
    if (pending !== undefined) clearTimeout(pending);
    screen.close();
    await live.caches.stop();
  }
}

async function applianceTable(cluster: Cluster, appliances: readonly WireAppliance[]): Promise<string[]> {
  if (appliances.length === 0) return ['No VirtualAppliances found.'];
  const p = stdoutPalette();
  const plans = await cluster.list<WirePlan>(RESOURCES.plans).catch(() => []);
  const now = new Date();
  return columns([
    ['NAME', 'READY', 'SLOT', 'ACTIVE PLAN', 'PHASE', 'AGE'],
    ...appliances.map((a) => {
      const active = a.status?.activePlan ?? '';
      const plan = plans.find((x) => x.metadata?.name === active);
      return [
        a.metadata?.name ?? '',
        a.status?.readyMembers ?? '',
        a.status?.activeSlot ?? '',
        active,
        plan === undefined ? '' : phaseLabel(plan.status?.phase ?? 'Pending', plan.spec?.suspend === true, p),
        duration(secondsSince(a.metadata?.creationTimestamp, now)),
      ];
    }),
  ]);
}
