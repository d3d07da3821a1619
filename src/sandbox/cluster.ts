// A sandbox cluster: the real control plane with our CRDs, the third-party CRDs and the shipped
// admission policies (config/admission) installed.
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane, type ControlPlaneOptions } from './controlplane/controlplane.ts';
import { kubeconfigYaml } from './controlplane/kubeconfig.ts';
import { installAdmissionPolicies } from './admission.ts';
import { installCrds, sandboxCrds } from './crds/install.ts';
import { applyManifests } from './manifests.ts';
import { installKubevirtAdmission, type KubevirtAdmissionOptions } from './thirdparty/kubevirt-admission.ts';
import { sandboxStorageClasses } from './thirdparty/storage-classes.ts';

/** A running sandbox cluster. */
export interface SandboxCluster extends ControlPlane {
  /**
   * A client configuration that authenticates as a ServiceAccount (created if missing) with a
   * short-lived token from the TokenRequest API: for tests that must run under exact RBAC.
   */
  serviceAccountKubeConfig(namespace: string, name: string): Promise<KubeConfig>;
}

export interface SandboxClusterOptions extends Omit<ControlPlaneOptions, 'beforeControllerManager'> {
  /** The KubeVirt the sandbox plays (its admission rules; the Snapshot feature gate). */
  readonly kubevirt?: KubevirtAdmissionOptions;
}

export async function startSandboxCluster(opts: SandboxClusterOptions = {}): Promise<SandboxCluster> {
  const crds = await sandboxCrds();
  const { kubevirt, ...controlPlaneOptions } = opts;
  let policies: Promise<void> | undefined;
  const controlPlane = await startControlPlane({
    ...controlPlaneOptions,
    // Installed before the controller manager starts so its garbage collector knows the kinds at once.
    beforeControllerManager: async (kc) => {
      await installCrds(kc, crds);
      // The CSI drivers' classes, the shipped admission policies and KubeVirt's, as a real cluster
      // has them. The policies take the API server a second or two to enforce: meanwhile the
      // controller manager starts.
      await applyManifests(kc, sandboxStorageClasses());
      policies = Promise.all([installAdmissionPolicies(kc), installKubevirtAdmission(kc, kubevirt)]).then(
        () => undefined,
      );
      policies.catch(() => undefined);
    },
  });
  try {
    await policies;
  } catch (err) {
    await controlPlane.stop();
    throw err;
  }
  return {
    ...controlPlane,
    serviceAccountKubeConfig: (namespace, name) => serviceAccountKubeConfig(controlPlane, namespace, name),
  };
}

async function serviceAccountKubeConfig(cp: ControlPlane, namespace: string, name: string): Promise<KubeConfig> {
  const core = cp.kubeConfig.makeApiClient(CoreV1Api);
  try {
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
  }
  const request = await core.createNamespacedServiceAccountToken({
    namespace,
    name,
    body: { spec: { audiences: [], expirationSeconds: 24 * 3600 } },
  });
  const token = request.status?.token;
  if (token === undefined) throw new Error(`no token issued for ServiceAccount ${namespace}/${name}`);
  const kc = new KubeConfig();
  kc.loadFromString(
    kubeconfigYaml({
      server: cp.server,
      caData: cp.caData,
      user: `system:serviceaccount:${namespace}:${name}`,
      token,
      namespace,
    }),
  );
  return kc;
}
