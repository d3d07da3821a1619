// `kubectl vapp dashboard [--port N] [-A]`: serves the live dashboard on 127.0.0.1 until interrupted.
import { Command, Option } from 'commander';
import { connect } from '../context.ts';
import { startDashboard } from '../dashboard/server.ts';
import { CliError } from '../errors.ts';
import { cliExamples } from '../help.ts';
import { untilInterrupted } from '../interrupt.ts';

interface Flags {
  readonly port: string;
  readonly allNamespaces?: boolean;
}

export const DEFAULT_DASHBOARD_PORT = 3100;

export function dashboardCommand(): Command {
  return new Command('dashboard')
    .summary('serve a live web dashboard on 127.0.0.1')
    .description(
      "Serve a web page on 127.0.0.1 that shows appliances with their slots and health, each plan's phase timeline, sync rounds and downtime against the budget, live (no reload), with approve, abort, suspend, resume and rollback behind a confirmation. It reads the cluster with your kubeconfig; nothing is installed in the cluster. Runs until Ctrl-C.",
    )
    .addOption(
      new Option('--port <port>', 'port on 127.0.0.1 (0: any free port)').default(String(DEFAULT_DASHBOARD_PORT)),
    )
    .option('-A, --all-namespaces', 'show every namespace')
    .addHelpText(
      'after',
      cliExamples([
        ['kubectl vapp dashboard', 'open http://127.0.0.1:3100 in a browser'],
        ['kubectl vapp dashboard -n shop --port 8080', 'one namespace, another port'],
      ]),
    )
    .action(async (flags: Flags, cmd: Command) => {
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port ${flags.port}: not a port`);
      const cluster = connect(cmd);
      const dashboard = await startDashboard({ cluster, port, allNamespaces: flags.allNamespaces === true });
      const where = flags.allNamespaces === true ? 'every namespace' : `namespace ${cluster.namespace}`;
      process.stdout.write(`Dashboard of ${where} (context ${cluster.context}): ${dashboard.url}\nCtrl-C stops it.\n`);
      try {
        // Ctrl-C is how a dashboard stops: a normal end.
        await untilInterrupted(new Promise<number>(() => undefined));
      } finally {
        await dashboard.close();
      }
    });
}
