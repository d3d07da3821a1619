// The KubeVirt simulator: plays virt-controller, virt-handler, the scheduler and the kubelet of
// one node against a real API server, so that VMs "run" in the sandbox. See README.md.
import type { KubeConfig } from '@kubernetes/client-node';
import { Manager } from '../../runtime/manager.ts';
import { silentLogger, type Logger } from '../../runtime/log.ts';
import { RuntimeMetrics } from '../../runtime/metrics.ts';
import type { FaultOverrides } from './faults.ts';
import { RESOURCES, simulatorController } from './controller.ts';
import { registerNode } from './noderegistration.ts';
import { guestOsFromDisks } from './cdi/index.ts';
import { startStorageSimulator, type StorageFaultOverrides } from './storage/index.ts';

export { SIM_ANNOTATIONS } from './annotations.ts';
export { SANDBOX_NODE } from './constants.ts';
export type { FaultOverrides, VmFaults } from './faults.ts';

/** Options for {@link startSimulator}. */
export interface SimulatorOptions {
  /** Admin access to the sandbox API server. */
  readonly kubeConfig: KubeConfig;
  /** Namespaces to simulate; undefined or empty: all. */
  readonly namespaces?: readonly string[];
  /** Running → Ready delay of a VM (default 500 ms; tests use 0). A VM may set its own. */
  readonly readyDelayMs?: number;
  readonly logger?: Logger;
  /** Faults forced by the caller, over those the objects' sim.vapp.dev/* annotations ask for. */
  readonly faults?: FaultOverrides;
  /** Give up starting when the caches are not filled by then (default 60 s), e.g. without KubeVirt CRDs. */
  readonly syncTimeoutMs?: number;
  /**
   * Also simulate storage, snapshots, clones, Jobs and the workload (see storage/), with volume
   * files in this folder. Without it only VMs run.
   */
  readonly volumesDir?: string;
  /** Delay of each simulated storage step (default 200 ms; tests use 0). */
  readonly stepDelayMs?: number;
  readonly storageFaults?: StorageFaultOverrides;
  /** Serve the CSI drivers' SnapshotMetadata API (changed blocks) with the storage (default true). */
  readonly snapshotMetadata?: boolean;
}

export interface Simulator {
  /** Its reconciles and API requests (rest_client_requests_total), for benchmarks. */
  readonly metrics: RuntimeMetrics;
  /** Stops watching and writing; waits for in-flight writes. Leaves every object as it is. */
  stop(): Promise<void>;
}

export const DEFAULT_READY_DELAY_MS = 500;

/** Registers sandbox-node and starts simulating; resolves once the caches are filled. */
export async function startSimulator(opts: SimulatorOptions): Promise<Simulator> {
  const log = (opts.logger ?? silentLogger()).child({ component: 'kubevirt-simulator' });
  const metrics = new RuntimeMetrics();
  const manager = new Manager({
    kubeConfig: opts.kubeConfig,
    ...(opts.namespaces ? { namespaces: opts.namespaces } : {}),
    metricsBindAddress: '0',
    healthProbeBindAddress: '0',
    metrics,
    gracefulShutdownTimeoutMs: 5_000,
    log,
  });
  await registerNode(manager.client);
  manager.addController(
    simulatorController({
      kubeConfig: opts.kubeConfig,
      client: manager.client,
      informer: (ref) => manager.informer(ref),
      readyDelayMs: opts.readyDelayMs ?? DEFAULT_READY_DELAY_MS,
      ...(opts.faults ? { faults: opts.faults } : {}),
      ...(opts.volumesDir === undefined ? {} : { diskOs: guestOsFromDisks(opts.volumesDir) }),
    }),
  );

  const abort = new AbortController();
  const running = manager.start(abort.signal);
  running.catch((err: unknown) => log.error('simulator stopped', { error: String(err) }));
  const informers = Object.values(RESOURCES).map((r) => manager.informer(r));
  const syncSignal = AbortSignal.any([abort.signal, AbortSignal.timeout(opts.syncTimeoutMs ?? 60_000)]);
  await Promise.race([Promise.all(informers.map((i) => i.waitForSync(syncSignal))), running]);
  if (!informers.every((i) => i.synced)) {
    abort.abort();
    await running.catch(() => undefined);
    throw new Error(
      'KubeVirt simulator: could not list VirtualMachines, VirtualMachineInstances and Pods (are the KubeVirt CRDs installed?)',
    );
  }
  const storage =
    opts.volumesDir === undefined
      ? undefined
      : await startStorageSimulator({
          kubeConfig: opts.kubeConfig,
          volumesDir: opts.volumesDir,
          logger: log,
          ...(opts.namespaces ? { namespaces: opts.namespaces } : {}),
          ...(opts.stepDelayMs === undefined ? {} : { stepDelayMs: opts.stepDelayMs }),
          ...(opts.storageFaults ? { faults: opts.storageFaults } : {}),
          ...(opts.snapshotMetadata === undefined ? {} : { snapshotMetadata: opts.snapshotMetadata }),
        });
  log.info('simulating KubeVirt', {
    namespaces: opts.namespaces ?? 'all',
    readyDelayMs: opts.readyDelayMs ?? DEFAULT_READY_DELAY_MS,
    storage: opts.volumesDir ?? 'off',
  });
  return {
    metrics,
    stop: async () => {
      await storage?.stop();
      abort.abort();
      await running;
    },
  };
}
