// The integration tests' cluster: the sandbox's real control plane (etcd, kube-apiserver with RBAC,
// kube-controller-manager) with every CRD installed. One per test file; a start takes a few seconds.
import { startSandboxCluster, type SandboxCluster } from '../../src/sandbox/cluster.ts';
import type { ControlPlaneOptions } from '../../src/sandbox/controlplane/controlplane.ts';

export type TestCluster = SandboxCluster;

export async function startTestCluster(
  opts: Pick<ControlPlaneOptions, 'apiServerArgs' | 'controllerManager'> = {},
): Promise<TestCluster> {
  return startSandboxCluster(opts);
}
