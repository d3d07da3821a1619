// The integration tests' cluster: the sandbox's real control plane (etcd, kube-apiserver with RBAC,
// kube-controller-manager) with every CRD installed. One per test file; a start takes a few seconds.
import { startSandboxCluster, type SandboxCluster, type SandboxClusterOptions } from '../../src/sandbox/cluster.ts';

export type TestCluster = SandboxCluster;

export async function startTestCluster(
  opts: Pick<SandboxClusterOptions, 'apiServerArgs' | 'controllerManager' | 'kubevirt'> = {},
): Promise<TestCluster> {
  return startSandboxCluster(opts);
}
