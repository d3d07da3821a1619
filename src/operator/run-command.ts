// `vapp-operator run`: the operator process (flags as controller-runtime operators have them).
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { KubeConfig } from '@kubernetes/client-node';
import { allControllers } from '../controllers/index.ts';
import { createLogger } from '../runtime/log.ts';
import { Manager, type ManagerOptions } from '../runtime/manager.ts';

/** Parsed flags of `run`. */
export interface RunFlags {
  readonly kubeconfig?: string;
  readonly namespace: readonly string[];
  readonly leaderElect: boolean;
  readonly leaderElectionId: string;
  readonly leaderElectionNamespace?: string;
  readonly metricsBindAddress: string;
  readonly healthProbeBindAddress: string;
  readonly logLevel: string;
  readonly logFormat?: 'json' | 'text';
  readonly workers: number;
}

const SA_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** The namespace of the lease: the flag, else the pod's own namespace, else `default`. */
export function leaseNamespace(flag: string | undefined, readPodNamespace: () => string | undefined = podNamespace): string {
  return flag ?? readPodNamespace() ?? 'default';
}

function podNamespace(): string | undefined {
  try {
    return readFileSync(SA_NAMESPACE_FILE, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Manager options from flags (without the KubeConfig and logger). */
export function managerOptions(flags: RunFlags, readPodNamespace?: () => string | undefined): Omit<ManagerOptions, 'kubeConfig' | 'log'> {
  return {
    namespaces: flags.namespace,
    metricsBindAddress: flags.metricsBindAddress,
    healthProbeBindAddress: flags.healthProbeBindAddress,
    workers: flags.workers,
    ...(flags.leaderElect
      ? { leaderElection: { id: flags.leaderElectionId, namespace: leaseNamespace(flags.leaderElectionNamespace, readPodNamespace) } }
      : {}),
  };
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`expected a positive integer, got ${value}`);
  return n;
}

export function runCommand(): Command {
  return new Command('run')
    .description('Run the operator: watch VirtualAppliances and MaintenancePlans and reconcile them.')
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config or in-cluster)')
    .option('--namespace <name>', 'watch this namespace (repeatable; default: all)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--leader-elect', 'run controllers only while holding the leader lease (for several replicas)', false)
    .option('--no-leader-elect', 'do not use leader election')
    .option('--leader-election-id <name>', 'name of the leader election Lease', 'vapp-operator.vapp.dev')
    .option('--leader-election-namespace <ns>', 'namespace of the Lease (default: the pod namespace)')
    .option('--metrics-bind-address <addr>', 'address of /metrics (0 disables)', ':8080')
    .option('--health-probe-bind-address <addr>', 'address of /healthz and /readyz (0 disables)', ':8081')
    .addOption(new Option('--log-level <level>', 'log level').choices(['error', 'warn', 'info', 'debug']).default('info'))
    .addOption(new Option('--log-format <format>', 'log format (default: text on a terminal, json otherwise)').choices(['json', 'text']))
    .option('--workers <n>', 'concurrent reconciles per controller', positiveInt, 2)
    .action(async (flags: RunFlags) => {
      const code = await runOperator(flags);
      process.exit(code);
    });
}

/** Runs until SIGTERM/SIGINT (exit code 0) or until leadership is lost (exit code 1). */
export async function runOperator(flags: RunFlags): Promise<number> {
  const log = createLogger({ level: flags.logLevel, ...(flags.logFormat ? { format: flags.logFormat } : {}) });
  const kubeConfig = new KubeConfig();
  if (flags.kubeconfig) kubeConfig.loadFromFile(flags.kubeconfig);
  else kubeConfig.loadFromDefault();
  const manager = new Manager({ kubeConfig, log, ...managerOptions(flags) });
  for (const def of allControllers(manager.deps(), { registry: manager.metrics.registry })) manager.addController(def);
  const stop = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    if (stop.signal.aborted) {
      log.warn('second signal, exiting at once', { signal: sig });
      process.exit(1);
    }
    log.info('shutting down', { signal: sig });
    stop.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    await manager.start(stop.signal);
    return 0;
  } catch (err) {
    log.error('operator stopped', { error: err instanceof Error ? err.message : String(err) });
    return 1;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await new Promise<void>((resolve) => log.on('finish', resolve).end());
  }
}
