// The Kubernetes Job that runs the datasync worker (created by the maintenance controller), and the
// reader of its result from the Pod's termination message. Pure functions: no API calls here.
import type {
  V1Container,
  V1Job,
  V1OwnerReference,
  V1Pod,
  V1ResourceRequirements,
  V1Volume,
  V1VolumeDevice,
  V1VolumeMount,
} from '@kubernetes/client-node';
import { PERMANENT_ERRORS } from './errors.ts';
import { resultSchema, type DatasyncResult } from './summary.ts';

export const DATASYNC_CONTAINER = 'datasync';
export const TERMINATION_LOG = '/dev/termination-log';
const RANGES_DIR = '/etc/vapp-datasync';
const PODINFO_DIR = '/etc/vapp-datasync-go';
/**
 * The annotation on a warm worker's Pod that gives it the go (its value: when the operator gave
 * it). The kubelet projects it into the worker's downwardAPI volume, which the worker watches.
 */
export const DATASYNC_GO_ANNOTATION = 'vapp.dev/datasync-go';
const CSI_TOKEN_DIR = '/var/run/secrets/vapp.dev/snapshot-metadata';
/** The SnapshotMetadataService's spec.caCert, for the worker (see command.ts). */
export const CSI_CA_ENV = 'SNAPSHOT_METADATA_CA_CERT';

/** Ranges from the Kubernetes SnapshotMetadata service (GetMetadataDelta), with compare as the fallback. */
export interface ChangedBlocksSource {
  /** The SnapshotMetadataService's spec: address, caCert (base64 PEM), audience. */
  readonly address: string;
  readonly caCert: string;
  readonly audience: string;
  /** The base's VolumeSnapshotContent status.snapshotHandle. */
  readonly baseSnapshotId: string;
  /** The VolumeSnapshot (in the Job's namespace) whose state the source holds. */
  readonly targetSnapshotName: string;
  /** The ServiceAccount whose token is sent: the service asks whether it may get volumesnapshots here. */
  readonly serviceAccountName: string;
}

/** A PersistentVolumeClaim as the worker sees it. */
export interface DatasyncVolume {
  readonly claimName: string;
  /**
   * `Block`: attached with volumeDevices, the worker opens the device. `Filesystem`: mounted, the
   * worker opens the image file inside it.
   */
  readonly volumeMode: 'Block' | 'Filesystem';
  /** Filesystem mode: the image inside the volume (default `disk.img`, KubeVirt's layout). */
  readonly imagePath?: string | undefined;
}

export interface DatasyncJobOptions {
  readonly name: string;
  readonly namespace: string;
  /** The operator's image (it carries the `vapp-operator` binary). */
  readonly image: string;
  readonly imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never' | undefined;
  /** The newest snapshot of the original's data volume (attached read-only). */
  readonly source: DatasyncVolume;
  /** The clone's replica to update in place. */
  readonly target: DatasyncVolume;
  /** Ranges mode: a ConfigMap holding the change list (key default `ranges.json`). */
  readonly ranges?: { readonly configMapName: string; readonly key?: string | undefined } | undefined;
  readonly blockSize?: number | undefined;
  /**
   * After the sync (default true, i.e. full): full re-reads both sides whole; written re-reads only
   * what was written (the final round: no O(volume size) check inside the downtime).
   */
  readonly verify?: boolean | 'full' | 'written' | undefined;
  /**
   * A warm worker: the Pod starts, attaches its volumes and waits for the DATASYNC_GO_ANNOTATION on
   * itself before it reads anything (the final round, prepared before the original is stopped).
   */
  readonly waitForGo?: boolean | undefined;
  readonly changedBlocks?: ChangedBlocksSource | undefined;
  /** Runs the Pod on this node (the original's, so that a ReadWriteOnce source stays attached). */
  readonly node?: string | undefined;
  readonly resources?: V1ResourceRequirements | undefined;
  /** uid, gid and fsGroup of the worker (default 107, the qemu user that owns KubeVirt disk images). */
  readonly runAsUser?: number | undefined;
  /** Retries of a failed run (default 3): a re-run after a crash is safe. */
  readonly backoffLimit?: number | undefined;
  readonly activeDeadlineSeconds?: number | undefined;
  readonly ttlSecondsAfterFinished?: number | undefined;
  readonly labels?: Readonly<Record<string, string>> | undefined;
  readonly ownerReferences?: readonly V1OwnerReference[] | undefined;
  readonly serviceAccountName?: string | undefined;
  readonly nodeName?: string | undefined;
}

/** Requests and limits of the worker: a few chunk buffers and Node itself; page cache is reclaimable. */
export const DEFAULT_RESOURCES: V1ResourceRequirements = {
  requests: { cpu: '500m', memory: '192Mi' },
  limits: { cpu: '2', memory: '256Mi' },
};

/** Exit status of the worker for errors a retry cannot fix (see PERMANENT_ERRORS). */
const PERMANENT_EXIT_STATUS = 2;

interface Attached {
  readonly volume: V1Volume;
  readonly mount?: V1VolumeMount;
  readonly device?: V1VolumeDevice;
  /** Path the worker opens. */
  readonly path: string;
}

function attach(role: 'source' | 'target', v: DatasyncVolume): Attached {
  const name = role;
  const volume: V1Volume = { name, persistentVolumeClaim: { claimName: v.claimName, readOnly: role === 'source' } };
  if (v.volumeMode === 'Block') {
    const devicePath = `/dev/vapp-datasync/${role}`;
    return { volume, device: { name, devicePath }, path: devicePath };
  }
  const mountPath = `/mnt/${role}`;
  const image = (v.imagePath ?? 'disk.img').replace(/^\/+/, '');
  if (image === '' || image.split('/').includes('..'))
    throw new Error(`invalid imagePath "${v.imagePath ?? ''}" for the ${role} volume`);
  return { volume, mount: { name, mountPath, readOnly: role === 'source' }, path: `${mountPath}/${image}` };
}

/** The Job that makes `target` equal to `source`. */
export function buildDatasyncJob(o: DatasyncJobOptions): V1Job {
  const source = attach('source', o.source);
  const target = attach('target', o.target);
  const args = [
    '--source',
    source.path,
    '--target',
    target.path,
    '--progress',
    'none',
    '--termination-log',
    TERMINATION_LOG,
  ];
  if (o.blockSize !== undefined) args.push('--block-size', String(o.blockSize));
  const verify = o.verify ?? true;
  if (verify === 'written') args.push('--verify', 'written');
  else if (verify !== false) args.push('--verify');
  const volumes = [source.volume, target.volume];
  const mounts = [source.mount, target.mount].filter((m) => m !== undefined);
  if (o.waitForGo) {
    volumes.push({
      name: 'go',
      downwardAPI: {
        items: [{ path: 'go', fieldRef: { fieldPath: `metadata.annotations['${DATASYNC_GO_ANNOTATION}']` } }],
      },
    });
    mounts.push({ name: 'go', mountPath: PODINFO_DIR, readOnly: true });
    args.push('--wait-for-go', `${PODINFO_DIR}/go`);
  }
  const devices = [source.device, target.device].filter((d) => d !== undefined);
  if (o.ranges) {
    const key = o.ranges.key ?? 'ranges.json';
    volumes.push({
      name: 'ranges',
      configMap: { name: o.ranges.configMapName, items: [{ key, path: 'ranges.json' }] },
    });
    mounts.push({ name: 'ranges', mountPath: RANGES_DIR, readOnly: true });
    args.push('--ranges', `${RANGES_DIR}/ranges.json`);
  }
  const env: { name: string; value: string }[] = [];
  if (o.changedBlocks) {
    const cb = o.changedBlocks;
    // An audience-scoped token only: the worker still gets no token for the API server.
    volumes.push({
      name: 'snapshot-metadata-token',
      projected: {
        sources: [{ serviceAccountToken: { audience: cb.audience, expirationSeconds: 600, path: 'token' } }],
      },
    });
    mounts.push({ name: 'snapshot-metadata-token', mountPath: CSI_TOKEN_DIR, readOnly: true });
    args.push(
      '--csi-address',
      cb.address,
      '--csi-token-file',
      `${CSI_TOKEN_DIR}/token`,
      '--csi-namespace',
      o.namespace,
      '--csi-base-snapshot-id',
      cb.baseSnapshotId,
      '--csi-target-snapshot',
      cb.targetSnapshotName,
    );
    env.push({ name: CSI_CA_ENV, value: cb.caCert });
  }
  const serviceAccountName = o.changedBlocks?.serviceAccountName ?? o.serviceAccountName;
  const uid = o.runAsUser ?? 107;
  const container: V1Container = {
    name: DATASYNC_CONTAINER,
    image: o.image,
    imagePullPolicy: o.imagePullPolicy ?? 'IfNotPresent',
    command: ['vapp-operator', 'datasync'],
    args,
    ...(env.length > 0 ? { env } : {}),
    resources: o.resources ?? DEFAULT_RESOURCES,
    securityContext: {
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    terminationMessagePath: TERMINATION_LOG,
    terminationMessagePolicy: 'FallbackToLogsOnError',
    ...(mounts.length > 0 ? { volumeMounts: mounts } : {}),
    ...(devices.length > 0 ? { volumeDevices: devices } : {}),
  };
  const labels = { 'app.kubernetes.io/name': 'vapp-operator', 'app.kubernetes.io/component': 'datasync', ...o.labels };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: o.name,
      namespace: o.namespace,
      labels,
      ...(o.ownerReferences ? { ownerReferences: [...o.ownerReferences] } : {}),
    },
    spec: {
      backoffLimit: o.backoffLimit ?? 3,
      ...(o.activeDeadlineSeconds === undefined ? {} : { activeDeadlineSeconds: o.activeDeadlineSeconds }),
      ...(o.ttlSecondsAfterFinished === undefined ? {} : { ttlSecondsAfterFinished: o.ttlSecondsAfterFinished }),
      // Errors a retry cannot fix (exit status 2) fail the Job at once; others are retried.
      podFailurePolicy: {
        rules: [
          {
            action: 'FailJob',
            onExitCodes: { containerName: DATASYNC_CONTAINER, operator: 'In', values: [PERMANENT_EXIT_STATUS] },
          },
        ],
      },
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          ...(serviceAccountName ? { serviceAccountName } : {}),
          ...(o.nodeName ? { nodeName: o.nodeName } : {}),
          // Through the scheduler (resources are accounted), on exactly that node.
          ...(o.node
            ? {
                affinity: {
                  nodeAffinity: {
                    requiredDuringSchedulingIgnoredDuringExecution: {
                      nodeSelectorTerms: [
                        { matchFields: [{ key: 'metadata.name', operator: 'In', values: [o.node] }] },
                      ],
                    },
                  },
                },
              }
            : {}),
          securityContext: {
            runAsNonRoot: true,
            runAsUser: uid,
            runAsGroup: uid,
            // Makes filesystem volumes (and, with the runtime's device_ownership_from_security_context,
            // block devices) accessible to the worker.
            fsGroup: uid,
            fsGroupChangePolicy: 'OnRootMismatch',
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [container],
          volumes,
        },
      },
    },
  };
}

/** The error codes a Job result can carry that a retry cannot fix. */
export function isPermanentFailure(result: DatasyncResult): boolean {
  return !result.ok && PERMANENT_ERRORS.has(result.error.code);
}

/**
 * Reads the worker's result from a termination message: the JSON line itself, or (with
 * FallbackToLogsOnError, when the worker died before writing it) the tail of the log, in which the
 * last JSON result line wins. Returns undefined when there is none (e.g. killed, OOM).
 */
export function parseTerminationMessage(message: string | undefined): DatasyncResult | undefined {
  if (!message) return undefined;
  const lines = message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('{'));
  for (let i = lines.length - 1; i >= 0; i--) {
    let value: unknown;
    try {
      value = JSON.parse(lines[i] ?? '');
    } catch {
      continue;
    }
    const parsed = resultSchema.safeParse(value);
    if (parsed.success) return parsed.data;
  }
  return undefined;
}

/** The result of the datasync container of a finished Pod of the Job, if it reported one. */
export function datasyncResultFromPod(pod: V1Pod): DatasyncResult | undefined {
  const status = pod.status?.containerStatuses?.find((c) => c.name === DATASYNC_CONTAINER);
  return parseTerminationMessage(status?.state?.terminated?.message ?? status?.lastState?.terminated?.message);
}
