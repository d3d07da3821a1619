// Which simulated kubelet work a Job's Pod stands for, as a pure function of the Pod (and its
// Job): the data-sync worker (its container runs `vapp-operator datasync`), a component update
// (label vapp.dev/update=true, env VAPP_VM, VAPP_COMPONENT, VAPP_FROM, VAPP_TO), curl against a
// Service (the HTTP check) or anything else.
import path from 'node:path/posix';
import { CSI_CA_ENV, DATASYNC_CONTAINER } from '../../../datasync/job.ts';
import type { JobContainerJson, JobJson, JobPodJson } from './json.ts';

export const JOB_NAME_LABELS = ['batch.kubernetes.io/job-name', 'job-name'] as const;
export const UPDATE_LABEL = 'vapp.dev/update';

/** The name of the Job that owns a Pod, from its labels; undefined for any other Pod. */
export function jobNameOf(pod: JobPodJson): string | undefined {
  const labels = pod.metadata?.labels ?? {};
  for (const l of JOB_NAME_LABELS) if (labels[l]) return labels[l];
  return undefined;
}

/** Where a path the worker opens lives: a PVC (a volume's claim) or a ConfigMap key. */
export type PathSource =
  | { readonly kind: 'pvc'; readonly claimName: string }
  | { readonly kind: 'configMap'; readonly name: string; readonly key: string }
  | { readonly kind: 'annotation'; readonly key: string }
  | { readonly kind: 'serviceAccountToken'; readonly volume: string; readonly path: string }
  | { readonly kind: 'unknown'; readonly path: string };

export interface DatasyncWork {
  readonly type: 'datasync';
  readonly container: string;
  readonly source: PathSource;
  readonly target: PathSource;
  readonly ranges?: PathSource;
  readonly blockSize?: string;
  readonly chunkSize?: string;
  readonly verify: 'none' | 'written' | 'full';
  /** A warm worker: the file it waits on for its go (a downwardAPI projection of an annotation). */
  readonly waitForGo?: PathSource;
  /** Ranges from the SnapshotMetadata service (--csi-address and its companions). */
  readonly changedBlocks?: {
    readonly address: string;
    /** The CA bundle, base64 (the container's SNAPSHOT_METADATA_CA_CERT). */
    readonly caCert: string;
    readonly token: PathSource;
    readonly namespace: string;
    readonly baseSnapshotId: string;
    readonly targetSnapshotName: string;
  };
}

export interface UpdateWork {
  readonly type: 'update';
  readonly container: string;
  readonly vm: string;
  readonly component: string;
  readonly from: string;
  readonly to: string;
}

/** curl against a Service's cluster DNS name, retried until --retry-max-time (the operator's HTTP check). */
export interface HttpWork {
  readonly type: 'http';
  readonly container: string;
  readonly service: string;
  readonly namespace: string;
  readonly port: number;
  readonly url: string;
  /** How long curl retries a refused connection, in seconds (--retry-max-time; 0: one try). */
  readonly retryMaxSeconds: number;
}

export type JobWork =
  | DatasyncWork
  | UpdateWork
  | HttpWork
  | { readonly type: 'other'; readonly container: string }
  | { readonly type: 'invalid'; readonly container: string; readonly reason: string };

export function classifyJobPod(pod: JobPodJson, job?: JobJson): JobWork {
  const containers = pod.spec?.containers ?? [];
  const datasync = containers.find((c) => isDatasync(c));
  if (datasync) return datasyncWork(pod, datasync);
  const first = containers[0]?.name ?? '';
  const isUpdate = pod.metadata?.labels?.[UPDATE_LABEL] === 'true' || job?.metadata?.labels?.[UPDATE_LABEL] === 'true';
  if (isUpdate) {
    for (const c of containers) {
      const env = new Map((c.env ?? []).map((e) => [e.name, e.value]));
      const vm = env.get('VAPP_VM');
      const component = env.get('VAPP_COMPONENT');
      const to = env.get('VAPP_TO');
      if (vm && component && to)
        return { type: 'update', container: c.name, vm, component, from: env.get('VAPP_FROM') ?? '', to };
    }
    return { type: 'invalid', container: first, reason: 'update Job without VAPP_VM, VAPP_COMPONENT and VAPP_TO' };
  }
  const http = containers.map(httpWork).find((w) => w !== undefined);
  if (http) return http;
  return { type: 'other', container: first };
}

/** A curl container whose URL names a Service (http://<service>.<namespace>.svc[:port]/...). */
function httpWork(c: JobContainerJson): HttpWork | undefined {
  const args = [...(c.command ?? []), ...(c.args ?? [])];
  const isCurl = (c.image ?? '').includes('curl') || args[0] === 'curl';
  const url = args.find((a) => /^https?:\/\//.test(a));
  const m =
    url === undefined
      ? null
      : /^(https?):\/\/([a-z0-9-]+)\.([a-z0-9-]+)\.svc(?:\.cluster\.local)?(?::(\d+))?(\/|$)/.exec(url);
  if (!isCurl || url === undefined || m === null) return undefined;
  return {
    type: 'http',
    container: c.name,
    service: m[2] ?? '',
    namespace: m[3] ?? '',
    port: m[4] !== undefined ? Number(m[4]) : m[1] === 'https' ? 443 : 80,
    url,
    retryMaxSeconds: Number(flag(args, '--retry-max-time') ?? '0') || 0,
  };
}

function isDatasync(c: JobContainerJson): boolean {
  const cmd = [...(c.command ?? []), ...(c.args ?? [])];
  const i = cmd.indexOf('datasync');
  return (i >= 0 && i <= 2) || (c.name === DATASYNC_CONTAINER && cmd.includes('--source'));
}

/** The value of `--flag value` or `--flag=value` in an argument list. */
export function flag(args: readonly string[], name: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === name) return args[i + 1];
    if (a.startsWith(`${name}=`)) return a.slice(name.length + 1);
  }
  return undefined;
}

function datasyncWork(pod: JobPodJson, c: JobContainerJson): JobWork {
  const args = [...(c.command ?? []), ...(c.args ?? [])];
  const source = flag(args, '--source');
  const target = flag(args, '--target');
  if (!source || !target)
    return { type: 'invalid', container: c.name, reason: 'datasync without --source and --target' };
  const ranges = flag(args, '--ranges');
  const blockSize = flag(args, '--block-size');
  const chunkSize = flag(args, '--chunk-size');
  const go = flag(args, '--wait-for-go');
  const csiAddress = flag(args, '--csi-address');
  const changedBlocks =
    csiAddress === undefined
      ? undefined
      : {
          address: csiAddress,
          caCert: (c.env ?? []).find((e) => e.name === CSI_CA_ENV)?.value ?? '',
          token: resolvePath(pod, c, flag(args, '--csi-token-file') ?? ''),
          namespace: flag(args, '--csi-namespace') ?? '',
          baseSnapshotId: flag(args, '--csi-base-snapshot-id') ?? '',
          targetSnapshotName: flag(args, '--csi-target-snapshot') ?? '',
        };
  const verifyAt = args.indexOf('--verify');
  const verifyValue = args[verifyAt + 1];
  const verify = verifyAt < 0 ? 'none' : verifyValue === 'written' ? 'written' : 'full';
  return {
    type: 'datasync',
    container: c.name,
    source: resolvePath(pod, c, source),
    target: resolvePath(pod, c, target),
    ...(ranges ? { ranges: resolvePath(pod, c, ranges) } : {}),
    ...(blockSize ? { blockSize } : {}),
    ...(chunkSize ? { chunkSize } : {}),
    verify,
    ...(go ? { waitForGo: resolvePath(pod, c, go) } : {}),
    ...(changedBlocks ? { changedBlocks } : {}),
  };
}

/**
 * Maps a path inside the container to what backs it: a block device of a volume (volumeDevices),
 * or a file under a volume's mount (a PVC's disk image, or a ConfigMap key).
 */
export function resolvePath(pod: JobPodJson, c: JobContainerJson, p: string): PathSource {
  const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  const device = c.volumeDevices?.find((d) => d.devicePath === p);
  let volumeName = device?.name;
  let inside = '';
  if (!volumeName) {
    const mount = [...(c.volumeMounts ?? [])]
      .sort((a, b) => b.mountPath.length - a.mountPath.length)
      .find((m) => p.startsWith(`${m.mountPath.replace(/\/+$/, '')}/`));
    if (mount) {
      volumeName = mount.name;
      inside = path.relative(mount.mountPath, p);
    }
  }
  const volume = volumeName ? volumes.get(volumeName) : undefined;
  if (volume?.persistentVolumeClaim) return { kind: 'pvc', claimName: volume.persistentVolumeClaim.claimName };
  const field = volume?.downwardAPI?.items?.find((i) => i.path === inside)?.fieldRef?.fieldPath;
  const annotation = field?.match(/^metadata\.annotations\['(.+)'\]$/)?.[1];
  if (annotation !== undefined) return { kind: 'annotation', key: annotation };
  if (volume?.projected?.sources?.some((src) => src.serviceAccountToken?.path === inside))
    return { kind: 'serviceAccountToken', volume: volume.name, path: inside };
  if (volume?.configMap) {
    const item = volume.configMap.items?.find((i) => i.path === inside);
    return { kind: 'configMap', name: volume.configMap.name, key: item ? item.key : inside };
  }
  return { kind: 'unknown', path: p };
}
