// `kubectl vapp`: the kubectl plugin (the `kubectl-vapp` executable, bin/kubectl-vapp.js) that
// shows appliances, plans and fleet rollouts, writes and approves plans, makes the one-word requests
// (abort, suspend, resume, rollback, acknowledge) and serves a local dashboard. It talks to the cluster with the user's
// own kubeconfig, resolved as kubectl resolves it (kubeconfig.ts).
import { Command, Option } from 'commander';
import { abortCommand } from './commands/abort.ts';
import { acknowledgeCommand } from './commands/acknowledge.ts';
import { approveCommand } from './commands/approve.ts';
import { completeCommand, completionCommand } from './commands/completion.ts';
import { dashboardCommand } from './commands/dashboard.ts';
import { getCommand } from './commands/get.ts';
import { planCommand } from './commands/plan.ts';
import { resumeCommand } from './commands/resume.ts';
import { rollbackCommand } from './commands/rollback.ts';
import { suspendCommand } from './commands/suspend.ts';
import { stderrPalette } from './context.ts';
import { CliError, describeError, EXIT } from './errors.ts';
import { cliExamples } from './help.ts';

export function buildProgram(): Command {
  const program = new Command('kubectl vapp')
    .description(
      "Follow and drive appliance maintenance: trees of VirtualAppliances, live MaintenancePlans with their steps, sync rounds and downtime, fleet MaintenanceRollouts with their waves and budgets, approvals and requests checked against the operator's rules, and a local dashboard.",
    )
    .addOption(new Option('--kubeconfig <file>', 'the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)'))
    .addOption(new Option('--context <name>', 'the kubeconfig context (default: its current-context)'))
    .addOption(new Option('-n, --namespace <namespace>', "the namespace (default: the context's, else default)"))
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: false })
    .addHelpText(
      'after',
      cliExamples([
        ['kubectl vapp get appliance shop', 'the tree of an appliance'],
        ['kubectl vapp plan shop --set postgres=16.4.0 --approval Manual', 'write a plan and see its preview'],
        ['kubectl vapp approve shop-20261122-020000', 'approve exactly what the preview shows'],
        ['kubectl vapp get plan shop-20261122-020000 --watch', 'follow the plan live until it ends'],
        [
          'kubectl vapp get rollout shops-2026-12 --watch',
          'follow a fleet rollout: waves, budgets, what needs attention',
        ],
        ['kubectl vapp dashboard', 'the web dashboard on http://127.0.0.1:3100'],
      ]),
    );
  for (const cmd of [
    getCommand(),
    planCommand(),
    approveCommand(),
    abortCommand(),
    suspendCommand(),
    resumeCommand(),
    rollbackCommand(),
    acknowledgeCommand(),
    dashboardCommand(),
    completionCommand(),
  ])
    program.addCommand(cmd);
  program.addCommand(completeCommand(program), { hidden: true });
  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
  } catch (err) {
    const p = stderrPalette();
    process.stderr.write(`${p.red('error:')} ${describeError(err)}\n`);
    process.exitCode = err instanceof CliError ? err.exitCode : EXIT.error;
  }
}
