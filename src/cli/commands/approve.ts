// `kubectl vapp approve PLAN`: shows the preview (updates, components left alone, the downtime
// estimate) and its hash, asks (unless --yes), and sets spec.approvedHash to exactly that hash and
// nothing else, in a merge patch carrying the resourceVersion the preview was read at: a preview
// that changed in between is refused, so what was shown is what is approved. `approve rollout/NAME`
// approves the wave of a MaintenanceRollout that waits for a person (spec.approvedWaves), the same way.
import { createInterface } from 'node:readline/promises';
import { Command } from 'commander';
import { RESOURCES } from '../cluster.ts';
import { connect, print, stdoutPalette } from '../context.ts';
import { CliError } from '../errors.ts';
import { cliExamples } from '../help.ts';
import { report } from '../requests/command.ts';
import { decideApprove, planTarget } from '../requests/plan.ts';
import { decideApproveWave, rolloutTarget, waveAwaitingApproval } from '../requests/rollout.ts';
import { sendRequest } from '../requests/send.ts';
import { planFacts } from '../views/plan-facts.ts';
import { previewSection } from '../views/plan-view.ts';
import { parseTarget } from '../requests/targets.ts';
import type { WirePlan, WireRollout } from '../wire.ts';

interface Flags {
  readonly yes?: boolean;
}

export function approveCommand(): Command {
  return new Command('approve')
    .summary('approve exactly the previewed updates of a Manual plan')
    .description(
      "Show a Manual MaintenancePlan's preview and hash, ask for confirmation, and set spec.approvedHash to that hash (and nothing else). The patch carries the plan's resourceVersion: when the preview changed after it was shown, the approval is refused.",
    )
    .argument('<name>', 'the plan (NAME or plan/NAME), or a rollout (rollout/NAME) with a wave waiting for approval')
    .option('-y, --yes', 'approve without asking')
    .addHelpText(
      'after',
      cliExamples([
        ['kubectl vapp approve shop-2026-11', 'show the preview and approve it after a confirmation'],
        ['kubectl vapp approve shop-2026-11 --yes', 'approve without asking (scripts)'],
        ['kubectl vapp approve rollout/shops-2026-12', "let a rollout's Manual wave start"],
      ]),
    )
    .action(async (arg: string, flags: Flags, cmd: Command) => {
      const named = parseTarget(arg);
      if (named.target === rolloutTarget) {
        await approveWave(cmd, named.name, flags);
        return;
      }
      const { name } = named;
      const cluster = connect(cmd);
      const what = `plan/${name}`;
      const plan = await cluster.get<WirePlan>(RESOURCES.plans, name);
      const first = decideApprove(plan, {});
      if (first.kind !== 'patch') {
        report(what, first);
        return;
      }
      const hash = plan.status?.preview?.hash ?? '';
      const facts = planFacts(plan, [], new Date());
      const p = stdoutPalette();
      if (facts.preview !== undefined) print(previewSection(facts.preview, p));
      if (flags.yes !== true && !(await confirm(`Approve exactly this preview of ${what} (hash ${hash})? [y/N] `)))
        throw new CliError(`${what}: not approved; nothing was changed`);
      const { decision } = await sendRequest(
        cluster.client,
        planTarget,
        { namespace: cluster.namespace, name },
        'approve',
        { hash },
      );
      report(what, decision);
    });
}

/** Approves the wave of a rollout that waits for a person: exactly the wave shown. */
async function approveWave(cmd: Command, name: string, flags: Flags): Promise<void> {
  const cluster = connect(cmd);
  const what = `rollout/${name}`;
  const rollout = await cluster.get<WireRollout>(RESOURCES.rollouts, name);
  const first = decideApproveWave(rollout, {});
  if (first.kind !== 'patch') {
    report(what, first);
    return;
  }
  const wave = waveAwaitingApproval(rollout) ?? '';
  const w = rollout.status?.waves?.find((x) => x.name === wave);
  print([`Wave ${wave}: ${String(w?.appliances ?? '?')} appliances, ${String(w?.upToDate ?? 0)} up to date`]);
  if (flags.yes !== true && !(await confirm(`Let wave ${wave} of ${what} start? [y/N] `)))
    throw new CliError(`${what}: not approved; nothing was changed`);
  const { decision } = await sendRequest(
    cluster.client,
    rolloutTarget,
    { namespace: cluster.namespace, name },
    'approve',
    { wave },
  );
  report(what, decision);
}

/** Asks on the terminal (or reads the answer from stdin); true for y or yes. */
async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY });
  try {
    const closed = new Promise<string>((resolve) => rl.once('close', () => resolve('')));
    const answer = await Promise.race([rl.question(question), closed]);
    return /^\s*y(es)?\s*$/i.test(answer);
  } finally {
    rl.close();
  }
}
