// `kubectl vapp plan APPLIANCE --set [member/]component=level ...`: writes a MaintenancePlan (or
// prints it with --dry-run=client or -o yaml), then shows its preview. The spec is checked against
// the API's own schema before anything is sent, so a bad flag is named at once.
import { Command, Option } from 'commander';
import {
  API_VERSION,
  InvalidObjectError,
  MAINTENANCE_PLAN_KIND,
  parseMaintenancePlanSpec,
} from '../../api/v1alpha1/index.ts';
import { resourcePath } from '../../runtime/resources.ts';
import { RESOURCES, type Cluster, type LiveCaches } from '../cluster.ts';
import { connect, print, stdoutPalette } from '../context.ts';
import { CliError, EXIT } from '../errors.ts';
import { cliExamples } from '../help.ts';
import { isTerminalPhase } from '../operator-rules.ts';
import { formatObject, outputOption, type OutputFormat } from '../output.ts';
import { PLAN_OPTIONS, type SpecDraft } from '../plan-options/index.ts';
import { planFacts } from '../views/plan-facts.ts';
import { previewSection } from '../views/plan-view.ts';
import type { WirePlan } from '../wire.ts';

interface Flags {
  readonly name?: string;
  readonly dryRun?: 'client' | 'server';
  readonly output?: OutputFormat;
  readonly wait: string;
  readonly [key: string]: unknown;
}

/** A default name: the appliance and the time, e.g. shop-20261122-020000. */
export function defaultPlanName(appliance: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${appliance}-${stamp}`.toLowerCase();
}

/** The MaintenancePlan the flags describe; throws a CliError naming the flag of a bad value. */
export function buildPlan(
  appliance: string,
  name: string,
  namespace: string,
  flags: Readonly<Record<string, unknown>>,
) {
  const spec: SpecDraft = { appliance };
  for (const part of PLAN_OPTIONS) part.apply(flags, spec);
  try {
    parseMaintenancePlanSpec(spec);
  } catch (err) {
    if (!(err instanceof InvalidObjectError)) throw err;
    const flagOf = (path: string) =>
      PLAN_OPTIONS.map(
        (o) =>
          Object.entries(o.fields).find(([field]) => path === `spec.${field}` || path.startsWith(`spec.${field}`))?.[1],
      ).find((f) => f !== undefined);
    throw new CliError(
      `invalid plan:\n${err.issues.map((i) => `  ${i.path}${flagOf(i.path) ? ` (${flagOf(i.path) ?? ''})` : ''}: ${i.message}`).join('\n')}`,
    );
  }
  return { apiVersion: API_VERSION, kind: MAINTENANCE_PLAN_KIND, metadata: { name, namespace }, spec };
}

export function planCommand(): Command {
  const cmd = new Command('plan')
    .summary('write a MaintenancePlan for an appliance and show its preview')
    .description(
      'Write a MaintenancePlan that brings components of APPLIANCE to target levels, then show its preview (what will be updated, what is already at its level, the downtime estimate). With --dry-run=client or -o, print the plan instead of (or as well as) creating it.',
    )
    .argument('<appliance>', 'the VirtualAppliance to maintain');
  for (const part of PLAN_OPTIONS) for (const o of part.options()) cmd.addOption(o);
  return cmd
    .option('--name <name>', 'name of the plan (default: APPLIANCE-<UTC date-time>)')
    .addOption(
      new Option(
        '--dry-run [mode]',
        'client: print the plan and send nothing; server: let the API server check it, write nothing',
      )
        .choices(['client', 'server'])
        .preset('client'),
    )
    .addOption(outputOption('the MaintenancePlan'))
    .option('--wait <seconds>', 'how long to wait for the preview after creating the plan (0: do not wait)', '60')
    .addHelpText(
      'after',
      cliExamples([
        ['kubectl vapp plan shop --set postgres=16.4.0 --set app/shop=2.4.0', 'update two components, at any time'],
        [
          'kubectl vapp plan shop --set postgres=16.4.0 --window "sat,sun 02:00-05:00 Europe/Rome" --approval Manual',
          'cut over only at the weekend, after an approval',
        ],
        ['kubectl vapp plan shop --set postgres=16.4.0 --dry-run=client -o yaml', 'print the plan, send nothing'],
      ]),
    )
    .action(async (appliance: string, flags: Flags, self: Command) => {
      const cluster = connect(self);
      const name = flags.name ?? defaultPlanName(appliance, new Date());
      const plan = buildPlan(appliance, name, cluster.namespace, flags);
      if (flags.dryRun === 'client') {
        process.stdout.write(formatObject(plan, flags.output ?? 'yaml'));
        return;
      }
      await cluster.get(RESOURCES.appliances, appliance);
      const path = resourcePath(RESOURCES.plans, cluster.namespace);
      if (flags.dryRun === 'server') {
        const checked = await cluster.client.request(path, { method: 'POST', body: plan, query: { dryRun: 'All' } });
        process.stdout.write(formatObject(checked, flags.output ?? 'yaml'));
        return;
      }
      const created = await cluster.client.request<WirePlan>(path, { method: 'POST', body: plan });
      if (flags.output !== undefined) {
        process.stdout.write(formatObject(created, flags.output));
        return;
      }
      process.stdout.write(`maintenanceplan/${name} created\n`);
      const waitSeconds = Number(flags.wait);
      if (!(waitSeconds > 0)) return;
      process.exitCode = await showPreview(cluster, name, waitSeconds * 1000);
    });
}

/** Waits for the preview (or the plan's end) and shows it; returns the exit code. */
async function showPreview(cluster: Cluster, name: string, timeoutMs: number): Promise<number> {
  const p = stdoutPalette();
  let resolve: ((plan: WirePlan) => void) | undefined;
  const ready = new Promise<WirePlan>((r) => (resolve = r));
  const live: { caches?: LiveCaches } = {};
  const check = () => {
    const plan = live.caches?.list<WirePlan>(0)[0];
    if (plan !== undefined && (plan.status?.preview !== undefined || isTerminalPhase(plan.status?.phase)))
      resolve?.(plan);
  };
  live.caches = await cluster.watch(
    [{ resource: RESOURCES.plans, namespace: cluster.namespace, fieldSelector: `metadata.name=${name}` }],
    check,
  );
  check();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), timeoutMs)));
  try {
    const plan = await Promise.race([ready, timeout]);
    if (plan === undefined) {
      process.stdout.write(`no preview yet after ${String(timeoutMs / 1000)} s: kubectl vapp get plan ${name}\n`);
      return EXIT.ok;
    }
    const facts = planFacts(plan, [], new Date());
    if (facts.preview !== undefined) print(previewSection(facts.preview, p));
    if (facts.phase === 'Failed') {
      process.stdout.write(`${p.red('the plan failed in planning')}: ${facts.summary?.message ?? ''}\n`);
      return EXIT.failed;
    }
    if (facts.phase === 'Succeeded') process.stdout.write(`${facts.summary?.message ?? 'nothing to do'}\n`);
    else if (facts.approval === 'Manual')
      process.stdout.write(`approve it with: kubectl vapp approve ${name} -n ${cluster.namespace}\n`);
    else process.stdout.write(`follow it with: kubectl vapp get plan ${name} -n ${cluster.namespace} --watch\n`);
    return EXIT.ok;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    await live.caches.stop();
  }
}
