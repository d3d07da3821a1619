// The sandbox most e2e files share between their cases: a real control plane, the KubeVirt and
// storage simulator (volumes in a temporary folder, no step delays) and the operator in process
// under the shipped RBAC. Started once in `before`, stopped in `after`, in the reverse order.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSandboxOperator, type SandboxOperator } from '../../src/sandbox/operator.ts';
import { startSimulator, type Simulator } from '../../src/sandbox/simulator/index.ts';
import { startTestCluster, type TestCluster } from './cluster.ts';

export interface E2eSandbox {
  readonly cluster: TestCluster;
  readonly simulator: Simulator;
  readonly operator: SandboxOperator;
  /** Where the simulated volumes' files are (read by data checks). */
  readonly volumesDir: string;
  stop(): Promise<void>;
}

export async function startE2eSandbox(
  opts: { readonly operator?: Parameters<typeof startSandboxOperator>[1] } = {},
): Promise<E2eSandbox> {
  const cluster = await startTestCluster();
  const volumesDir = await mkdtemp(path.join(tmpdir(), 'vapp-volumes-'));
  const simulator = await startSimulator({
    kubeConfig: cluster.kubeConfig,
    readyDelayMs: 0,
    volumesDir,
    stepDelayMs: 0,
  });
  const operator = await startSandboxOperator(cluster, opts.operator);
  return {
    cluster,
    simulator,
    operator,
    volumesDir,
    async stop() {
      await operator.stop();
      await simulator.stop();
      await cluster.stop();
      await rm(volumesDir, { recursive: true, force: true });
    },
  };
}
