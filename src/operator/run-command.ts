// `vapp-operator run`: the operator process (flags as controller-runtime operators have them).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { allControllers } from '../controllers/index.ts';
import {
  DEFAULT_CHECK_IMAGE,
  DEFAULT_DATASYNC_IMAGE,
  DEFAULT_GITOPS_TRACKING_LABEL,
  DEFAULT_STEP_TIMEOUT_MS,
  type MaintenanceOptions,
} from '../controllers/maintenance/options.ts';
import { loadClusterAccess } from '../runtime/cluster-config.ts';
import { parseDuration } from '../runtime/duration.ts';
import { createLogger } from '../runtime/log.ts';
import { Manager, type ManagerOptions } from '../runtime/manager.ts';

/** Parsed flags of `run`. */
export interface RunFlags {
  readonly kubeconfig?: string;
  readonly namespace: readonly string[];
  readonly leaderElect: boolean;
  readonly leaderElectionId: string;
  readonly leaderElectionNamespace?: string;
  /** Milliseconds (from durations such as 15s). */
  readonly leaderElectionLeaseDuration: number;
  readonly leaderElectionRenewDeadline: number;
  readonly leaderElectionRetryPeriod: number;
  readonly metricsBindAddress: string;
  readonly healthProbeBindAddress: string;
  readonly logLevel: string;
  readonly logFormat?: 'json' | 'text';
  readonly workers: number;
  /** Image of the data-sync Jobs: this operator's own image. */
  readonly datasyncImage: string;
  /** Image of the HTTP check Jobs (curl). */
  readonly checkImage: string;
  /** Milliseconds a step may wait for the cluster (a clone, a VM, a Job to start or finish) before it fails. */
  readonly stepTimeout: number;
  /** The label Argo CD tracks its resources by ('' when it tracks by annotation only): not copied onto clones. */
  readonly gitopsTrackingLabel: string;
}

const SA_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** The namespace of the lease: the flag, else the pod's own namespace, else `default`. */
export function leaseNamespace(
  flag: string | undefined,
  readPodNamespace: () => string | undefined = podNamespace,
): string {
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
export function managerOptions(
  flags: RunFlags,
  readPodNamespace?: () => string | undefined,
  podName: string | undefined = process.env.POD_NAME,
): Omit<ManagerOptions, 'kubeConfig' | 'log'> {
  return {
    namespaces: flags.namespace,
    metricsBindAddress: flags.metricsBindAddress,
    healthProbeBindAddress: flags.healthProbeBindAddress,
    workers: flags.workers,
    ...(flags.leaderElect
      ? {
          leaderElection: {
            id: flags.leaderElectionId,
            namespace: leaseNamespace(flags.leaderElectionNamespace, readPodNamespace),
            ...identity(podName),
            leaseDurationMs: flags.leaderElectionLeaseDuration,
            renewDeadlineMs: flags.leaderElectionRenewDeadline,
            retryPeriodMs: flags.leaderElectionRetryPeriod,
          },
        }
      : {}),
  };
}

/** MaintenancePlan controller options from flags. */
export function maintenanceOptions(flags: RunFlags): MaintenanceOptions {
  return {
    datasyncImage: flags.datasyncImage,
    checkImage: flags.checkImage,
    stepTimeoutMs: flags.stepTimeout,
    gitopsTrackingLabel: flags.gitopsTrackingLabel,
  };
}

/** The Lease holder names the Pod (POD_NAME, from the downward API) so that `kubectl get lease` tells which replica leads. */
function identity(podName: string | undefined): { identity?: string } {
  return podName ? { identity: `${podName}_${randomUUID()}` } : {};
}

/** A positive duration such as 15s or 1m30s, in milliseconds. */
function durationMs(value: string): number {
  const ms = parseDuration(value, 'the duration');
  if (!(ms > 0)) throw new Error(`expected a positive duration such as 15s, got ${value}`);
  return ms;
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
    .option(
      '--namespace <name>',
      'watch this namespace (repeatable; default: all)',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option('--leader-elect', 'run controllers only while holding the leader lease (for several replicas)', false)
    .option('--no-leader-elect', 'do not use leader election')
    .option('--leader-election-id <name>', 'name of the leader election Lease', 'vapp-operator.vapp.dev')
    .option('--leader-election-namespace <ns>', 'namespace of the Lease (default: the pod namespace)')
    .option(
      '--leader-election-lease-duration <duration>',
      'how long a Lease is valid without renewal: how soon another replica takes over from a lost leader',
      durationMs,
      15_000,
    )
    .option(
      '--leader-election-renew-deadline <duration>',
      'the leader steps down when it could not renew for this long (shorter than the lease duration)',
      durationMs,
      10_000,
    )
    .option(
      '--leader-election-retry-period <duration>',
      'how often candidates try to acquire or renew the Lease',
      durationMs,
      2_000,
    )
    .option('--metrics-bind-address <addr>', 'address of /metrics (0 disables)', ':8080')
    .option('--health-probe-bind-address <addr>', 'address of /healthz and /readyz (0 disables)', ':8081')
    .addOption(
      new Option('--log-level <level>', 'log level').choices(['error', 'warn', 'info', 'debug']).default('info'),
    )
    .addOption(
      new Option('--log-format <format>', 'log format (default: text on a terminal, json otherwise)').choices([
        'json',
        'text',
      ]),
    )
    .option('--workers <n>', 'concurrent reconciles per controller', positiveInt, 2)
    .option(
      '--datasync-image <image>',
      "image of the data-sync Jobs: this operator's own image (set it when you mirror or pin the operator image)",
      DEFAULT_DATASYNC_IMAGE,
    )
    .option('--check-image <image>', 'image of the HTTP check Jobs (runs curl)', DEFAULT_CHECK_IMAGE)
    .option(
      '--step-timeout <duration>',
      'how long a step may wait for the cluster (a clone, a VM to become ready, a Job to start or finish) before the plan fails safe',
      durationMs,
      DEFAULT_STEP_TIMEOUT_MS,
    )
    .option(
      '--gitops-tracking-label <label>',
      "the label Argo CD tracks its resources by (argocd-cm application.instanceLabelKey); a clone never gets it, nor Argo CD's tracking-id annotation, so Argo CD does not count the clone as its own ('' to copy it)",
      DEFAULT_GITOPS_TRACKING_LABEL,
    )
    .action(async (flags: RunFlags) => {
      const code = await runOperator(flags);
      process.exit(code);
    });
}

/** Runs until SIGTERM/SIGINT (exit code 0) or until leadership is lost (exit code 1). */
export async function runOperator(flags: RunFlags): Promise<number> {
  const log = createLogger({ level: flags.logLevel, ...(flags.logFormat ? { format: flags.logFormat } : {}) });
  let kubeConfig;
  try {
    kubeConfig = await loadClusterAccess(flags.kubeconfig);
  } catch (err) {
    log.error('cannot load the cluster configuration', { error: err instanceof Error ? err.message : String(err) });
    await new Promise<void>((resolve) => log.on('finish', resolve).end());
    return 1;
  }
  const manager = new Manager({ kubeConfig, log, ...managerOptions(flags) });
  for (const def of allControllers(manager.deps(), {
    registry: manager.metrics.registry,
    maintenance: maintenanceOptions(flags),
  }))
    manager.addController(def);
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
