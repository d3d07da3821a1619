// The KubeVirt simulator, part 2: storage (PVCs as sparse files, CSI VolumeSnapshots as copies),
// KubeVirt snapshots, restores and clones, the kubelet of Job Pods (the data-sync worker runs the
// real datasync code on the volume files), a workload that writes to running VMs' volumes with
// a ledger, and CDI (cdi/: DataImportCron, DataSource, DataVolume import and clone). See ../README.md, "Storage, snapshots, clones, Jobs".
import { mkdir } from 'node:fs/promises';
import { startSnapshotMetadataServices } from '../snapshot-metadata/index.ts';
import type { KubeConfig } from '@kubernetes/client-node';
import { EventRecorder } from '../../../runtime/events.ts';
import { Manager } from '../../../runtime/manager.ts';
import { silentLogger, type Logger } from '../../../runtime/log.ts';
import { RuntimeMetrics } from '../../../runtime/metrics.ts';
import { CDI_RESOURCES, cdiControllers } from '../cdi/index.ts';
import { jobPodController } from '../jobs/controller.ts';
import { Workload } from '../workload/workload.ts';
import { Api } from './api.ts';
import { cloneController } from './clone-controller.ts';
import type { StorageContext } from './context.ts';
import type { StorageFaultOverrides } from './faults.ts';
import { FileLocks } from './files.ts';
import { Freezer } from './freezer.ts';
import { pvcController } from './pvc-controller.ts';
import { STORAGE_RESOURCES } from './resources.ts';
import { restoreController } from './restore-controller.ts';
import { StepClock } from './steps.ts';
import { vmSnapshotController } from './vmsnapshot-controller.ts';
import { volumeSnapshotController } from './volumesnapshot-controller.ts';

export { STORAGE_ANNOTATIONS } from './annotations.ts';
export type { StorageFaults, StorageFaultOverrides, AnnotatedObject } from './faults.ts';
export { ledgerFile, pvcFile, snapshotFile } from './paths.ts';
export { verifyLedger, parseLedger, type LedgerEntry, type LedgerReport } from '../workload/ledger.ts';
export { verifyWritesCarriedOver } from '../workload/history.ts';
export { cloneRestoreName, cloneSnapshotName } from './clone.ts';
export { restorePvcName } from './restore.ts';
export { contentNameFor, volumeSnapshotNameFor } from './vmsnapshot.ts';

export interface StorageSimulatorOptions {
  /** Admin access to the sandbox API server. */
  readonly kubeConfig: KubeConfig;
  /** Where volume files live: `<volumesDir>/<namespace>/<pvc>.img`. Created if missing. */
  readonly volumesDir: string;
  /** Namespaces to simulate; undefined or empty: all. */
  readonly namespaces?: readonly string[];
  /** Delay of each simulated step (snapshot ready, clone phases, Job run...). Default 200 ms; tests use 0. */
  readonly stepDelayMs?: number;
  readonly logger?: Logger;
  /** Faults forced by the caller, over those the objects' sim.vapp.dev/* annotations ask for. */
  readonly faults?: StorageFaultOverrides;
  /**
   * Serve the Kubernetes SnapshotMetadata API (changed blocks) for the sandbox drivers and publish
   * their SnapshotMetadataService objects (default true; the CRD must be installed).
   */
  readonly snapshotMetadata?: boolean;
}

export interface StorageSimulator {
  /** Stops watching, writing and the workload; waits for in-flight work. Leaves objects and files as they are. */
  stop(): Promise<void>;
}

export { CBT_ANNOTATIONS, SANDBOX_SNAPSHOT_METADATA_AUDIENCE } from '../snapshot-metadata/index.ts';

export const DEFAULT_STEP_DELAY_MS = 200;

/** Starts simulating storage, snapshots, clones, Jobs and the workload; resolves once the caches are filled. */
export async function startStorageSimulator(opts: StorageSimulatorOptions): Promise<StorageSimulator> {
  const log = (opts.logger ?? silentLogger()).child({ component: 'storage-simulator' });
  await mkdir(opts.volumesDir, { recursive: true });
  const manager = new Manager({
    kubeConfig: opts.kubeConfig,
    ...(opts.namespaces ? { namespaces: opts.namespaces } : {}),
    metricsBindAddress: '0',
    healthProbeBindAddress: '0',
    metrics: new RuntimeMetrics(),
    gracefulShutdownTimeoutMs: 30_000,
    log,
  });
  const ctx: StorageContext = {
    api: new Api(manager.client),
    volumesDir: opts.volumesDir,
    locks: new FileLocks(),
    freezer: new Freezer(),
    steps: new StepClock(),
    stepDelayMs: opts.stepDelayMs ?? DEFAULT_STEP_DELAY_MS,
    ...(opts.faults ? { faults: opts.faults } : {}),
    informer: (ref) => manager.informer(ref),
    events: new EventRecorder({ client: manager.client, component: 'sandbox-csi', log }),
    log,
    now: Date.now,
  };
  // Every informer the controllers read, watched or not.
  for (const ref of Object.values(STORAGE_RESOURCES)) if (ref.plural !== 'configmaps') manager.informer(ref);
  for (const ref of Object.values(CDI_RESOURCES)) manager.informer(ref);
  const workload = new Workload(ctx);
  manager.addController(pvcController(ctx));
  manager.addController(volumeSnapshotController(ctx));
  manager.addController(vmSnapshotController(ctx));
  manager.addController(restoreController(ctx));
  manager.addController(cloneController(ctx));
  manager.addController(jobPodController(ctx));
  manager.addController(workload.controller());
  for (const def of cdiControllers(ctx)) manager.addController(def);

  const abort = new AbortController();
  const running = manager.start(abort.signal);
  running.catch((err: unknown) => log.error('storage simulator stopped', { error: String(err) }));
  await Promise.race([
    Promise.all(
      [
        ...Object.values(STORAGE_RESOURCES).filter((r) => r.plural !== 'configmaps'),
        ...Object.values(CDI_RESOURCES),
      ].map((r) => manager.informer(r).waitForSync(abort.signal)),
    ),
    running,
  ]);
  const snapshotMetadata =
    opts.snapshotMetadata === false ? undefined : await startSnapshotMetadataServices(ctx.api, opts.volumesDir);
  log.info('simulating storage, snapshots, clones and Jobs', {
    volumesDir: opts.volumesDir,
    stepDelayMs: ctx.stepDelayMs,
  });
  return {
    stop: async () => {
      await workload.stop();
      await snapshotMetadata?.stop();
      abort.abort();
      await running;
      await workload.stop();
    },
  };
}
