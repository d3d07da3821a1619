// Where a round's changed ranges come from. A round that has a base (the VolumeSnapshot whose state
// the replica holds: the previous round's, or for round 1 the VirtualMachineSnapshot's own) and
// whose CSI driver advertises a SnapshotMetadataService (looked up by the driver's name, as the
// external-snapshot-metadata iterator does) gives its worker the service's address, CA and
// audience, the base's snapshotHandle, and the ServiceAccount vapp-datasync, which the namespace's
// admin allows to `get volumesnapshots` (what the service's SubjectAccessReview asks). Otherwise the worker compares, and the reason is
// recorded with the round (a Warning Event ChangedBlocksUnavailable says it).
import type { ChangedBlocksSource } from '../../../datasync/job.ts';
import { isForbidden } from '../../../runtime/errors.ts';
import { SNAPSHOT_STORAGE } from '../../../runtime/kinds.ts';
import type { KubeObject } from '../../../runtime/object.ts';
import type { TypedRef } from '../../../runtime/resources.ts';
import type { ClusterIO } from '../cluster-io.ts';
import type { StepFacts } from '../facts.ts';

export interface SnapshotMetadataService extends KubeObject {
  spec?: { address?: string; caCert?: string; audience?: string };
}
interface VolumeSnapshotContent extends KubeObject {
  spec?: { driver?: string };
  status?: { snapshotHandle?: string };
}

export const SNAPSHOT_METADATA_SERVICES: TypedRef<SnapshotMetadataService> = {
  group: 'cbt.storage.k8s.io',
  version: 'v1beta1',
  plural: 'snapshotmetadataservices',
  kind: 'SnapshotMetadataService',
  namespaced: false,
};
const VOLUME_SNAPSHOT_CONTENTS: TypedRef<VolumeSnapshotContent> = {
  group: 'snapshot.storage.k8s.io',
  version: 'v1',
  plural: 'volumesnapshotcontents',
  kind: 'VolumeSnapshotContent',
  namespaced: false,
};
const SERVICE_ACCOUNTS: TypedRef<KubeObject> = {
  group: '',
  version: 'v1',
  plural: 'serviceaccounts',
  kind: 'ServiceAccount',
};

/** The workers' ServiceAccount in a plan's namespace, and the shipped ClusterRole it is bound to (config/rbac). */
export const DATASYNC_SERVICE_ACCOUNT = 'vapp-datasync';
export const DATASYNC_CLUSTER_ROLE = 'vapp-datasync';

/** Why a round compares: NoService, BaseGone (the reasons the worker reports too, see errors.ts). */
export interface RangesFallback {
  readonly reason: string;
  readonly message: string;
}

export type RangesPlan =
  { readonly kind: 'csi'; readonly source: ChangedBlocksSource } | ({ readonly kind: 'compare' } & RangesFallback);

/** The VolumeSnapshot a replica holds before its first round: the one it was restored from. */
export function replicaBase(replica: { spec?: { dataSource?: { kind?: string; name?: string } } } | undefined) {
  const ds = replica?.spec?.dataSource;
  return ds?.kind === 'VolumeSnapshot' ? ds.name : undefined;
}

export async function rangesPlan(
  facts: Pick<StepFacts, 'namespace' | 'labels'>,
  io: ClusterIO,
  baseSnapshot: string | undefined,
  targetSnapshot: string,
): Promise<RangesPlan> {
  const compare = (reason: string, message: string): RangesPlan => ({ kind: 'compare', reason, message });
  if (baseSnapshot === undefined) return compare('BaseGone', 'the replica has no base snapshot to ask changes from');
  try {
    const base = await io.read(SNAPSHOT_STORAGE.volumeSnapshots, baseSnapshot);
    const contentName = base?.status?.boundVolumeSnapshotContentName;
    if (base === undefined || contentName === undefined)
      return compare('BaseGone', `the base VolumeSnapshot ${baseSnapshot} is gone or has no content`);
    const content = await io.read(VOLUME_SNAPSHOT_CONTENTS, contentName);
    const handle = content?.status?.snapshotHandle;
    const driver = content?.spec?.driver;
    if (handle === undefined || driver === undefined)
      return compare('BaseGone', `the base's VolumeSnapshotContent ${contentName} has no snapshotHandle`);
    const service = await io.read(SNAPSHOT_METADATA_SERVICES, driver);
    const spec = service?.spec;
    if (!spec?.address || !spec.caCert || !spec.audience)
      return compare('NoService', `the CSI driver ${driver} has no SnapshotMetadataService`);
    await ensureWorkerAccount(facts, io);
    return {
      kind: 'csi',
      source: {
        address: spec.address,
        caCert: spec.caCert,
        audience: spec.audience,
        baseSnapshotId: handle,
        targetSnapshotName: targetSnapshot,
        serviceAccountName: DATASYNC_SERVICE_ACCOUNT,
      },
    };
  } catch (err) {
    // An operator confined to namespaces (config/namespaced) cannot read cluster-scoped objects.
    if (isForbidden(err))
      return compare('NoService', `the SnapshotMetadataService cannot be read: ${(err as Error).message}`);
    throw err;
  }
}

/**
 * The workers' ServiceAccount. The operator writes no RBAC: the RoleBinding of the ClusterRole
 * vapp-datasync to it is the namespace admin's (see docs/datasync.md); without it the service's
 * SubjectAccessReview refuses the token (PermissionDenied) and the worker compares.
 */
async function ensureWorkerAccount(facts: Pick<StepFacts, 'namespace' | 'labels'>, io: ClusterIO): Promise<void> {
  await io.create(SERVICE_ACCOUNTS, {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: {
      name: DATASYNC_SERVICE_ACCOUNT,
      namespace: facts.namespace,
      labels: { 'app.kubernetes.io/name': 'vapp-operator', 'app.kubernetes.io/component': 'datasync' },
    },
    // The worker gets only its audience-scoped token (a projected volume), never an API token.
    automountServiceAccountToken: false,
  } as KubeObject);
}
