// Runs the operator inside the sandbox process as it runs in a cluster: under the vapp-operator
// ServiceAccount bound to the shipped config/rbac roles (never as admin), with leader election.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { allControllers, type ControllerOptions } from '../controllers/index.ts';
import { silentLogger, type Logger } from '../runtime/log.ts';
import { Manager } from '../runtime/manager.ts';
import type { SandboxCluster } from './cluster.ts';
import { applyManifests, readManifests } from './manifests.ts';

const rbacDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../config/rbac');
export const OPERATOR_NAMESPACE = 'vapp-system';
export const OPERATOR_SERVICE_ACCOUNT = 'vapp-operator';

/** Creates vapp-system, the ServiceAccount and the shipped RBAC; returns the operator's client config. */
export async function operatorKubeConfig(cluster: SandboxCluster): Promise<KubeConfig> {
  const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: OPERATOR_NAMESPACE } } }).catch((err: unknown) => {
    if ((err as { code?: number }).code !== 409) throw err;
  });
  await applyManifests(cluster.kubeConfig, await readManifests(rbacDir));
  return cluster.serviceAccountKubeConfig(OPERATOR_NAMESPACE, OPERATOR_SERVICE_ACCOUNT);
}

/** A running in-process operator. */
export interface SandboxOperator {
  readonly manager: Manager;
  readonly metricsUrl: string;
  readonly healthUrl: string;
  stop(): Promise<void>;
}

export async function startSandboxOperator(
  cluster: SandboxCluster,
  opts: {
    log?: Logger;
    controllers?: ControllerOptions;
    /** Watch these namespaces only (`--namespace`); default: all. */
    namespaces?: readonly string[];
    /** The operator's client configuration, when its RBAC is installed otherwise (default: config/rbac). */
    kubeConfig?: KubeConfig;
  } = {},
): Promise<SandboxOperator> {
  const kubeConfig = opts.kubeConfig ?? (await operatorKubeConfig(cluster));
  const manager = new Manager({
    kubeConfig,
    ...(opts.namespaces ? { namespaces: opts.namespaces } : {}),
    log: opts.log ?? silentLogger(),
    // Port 0: the kernel picks free ports as the servers bind them, so no other program can take them first.
    metricsBindAddress: '127.0.0.1:0',
    healthProbeBindAddress: '127.0.0.1:0',
    leaderElection: { id: 'vapp-operator.vapp.dev', namespace: OPERATOR_NAMESPACE },
  });
  for (const def of allControllers(manager.deps(), { registry: manager.metrics.registry, ...opts.controllers }))
    manager.addController(def);
  const abort = new AbortController();
  const running = manager.start(abort.signal);
  running.catch(() => undefined);
  await manager.serving();
  return {
    manager,
    metricsUrl: `http://${manager.metricsAddress}/metrics`,
    healthUrl: `http://${manager.probeAddress}`,
    async stop() {
      abort.abort();
      await running;
    },
  };
}
