// The shop sample (config/samples) made to fit the sandbox: small data volumes, and a simulated
// database writing to its volume, so that a maintenance has data to carry over. The demo and the
// end-to-end tests both start from it.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeObject } from '../runtime/object.ts';
import { readManifests } from './manifests.ts';
import { STORAGE_ANNOTATIONS } from './simulator/storage/index.ts';

/** config/samples: the shop appliance (VMs, PVCs, Services, VirtualAppliance) and its MaintenancePlan. */
export const SAMPLES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../config/samples');

export interface SandboxShopOptions {
  /** Size of every data volume (the simulator backs each with a sparse file). */
  readonly storage: string;
  /** Writes per second of the database's workload; none when 0 or unset. */
  readonly workload?: number;
}

/** The sample objects but the MaintenancePlan, adapted to the sandbox. */
export async function sandboxShop(opts: SandboxShopOptions): Promise<KubeObject[]> {
  return (await readManifests(SAMPLES_DIR))
    .filter((o) => o.kind !== 'MaintenancePlan')
    .map((original) => {
      const obj = structuredClone(original) as KubeObject & {
        spec?: { resources?: { requests?: { storage?: string } } };
      };
      if (obj.kind === 'PersistentVolumeClaim' && obj.spec?.resources?.requests)
        obj.spec.resources.requests.storage = opts.storage;
      if (obj.kind === 'VirtualMachine' && obj.metadata?.name === 'shop-db' && opts.workload) {
        obj.metadata.annotations = {
          ...obj.metadata.annotations,
          [STORAGE_ANNOTATIONS.workload]: String(opts.workload),
        };
      }
      return obj;
    });
}

/** The sample MaintenancePlan, as written. */
export async function samplePlan(): Promise<KubeObject> {
  const plan = (await readManifests(SAMPLES_DIR)).find((o) => o.kind === 'MaintenancePlan');
  if (plan === undefined) throw new Error(`no MaintenancePlan in ${SAMPLES_DIR}`);
  return structuredClone(plan);
}

/**
 * What a namespace's admin applies so that the data-sync workers may ask the CSI driver for changed
 * blocks: the RoleBinding of the ClusterRole vapp-datasync (config/rbac) to the workers'
 * ServiceAccount, which the operator makes (it writes no RBAC itself).
 */
export function datasyncRoleBinding(namespace: string): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'vapp-datasync', namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'vapp-datasync' },
    subjects: [{ kind: 'ServiceAccount', name: 'vapp-datasync', namespace }],
  } as KubeObject;
}
