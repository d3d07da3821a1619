// The Kubernetes SnapshotMetadata service of one sandbox CSI driver, playing the
// external-snapshot-metadata sidecar and the driver behind it in one: gRPC over TLS
// (pkg/internal/server/grpc/server.go: server-side TLS, no client certificates); the token
// authenticated by a TokenReview with the SnapshotMetadataService's audience
// (pkg/internal/authn/token_auth.go); a SubjectAccessReview `get volumesnapshots` in the request's
// namespace for the token's user (pkg/internal/authz/sar_authorizer.go); the target VolumeSnapshot →
// its VolumeSnapshotContent → snapshotHandle (get_metadata_delta.go, snapshot.go); the same status
// codes and messages (status.go). The driver part answers from the write ledger (delta.ts), the
// base found by its snapshotHandle, as csi-driver-host-path's pkg/hostpath/snapshotmetadata.go
// does from its state (NotFound for an unknown handle).
//
// Faults (annotations): on the SnapshotMetadataService, `sim.vapp.dev/cbt-audience: <aud>` makes the
// service expect another audience than it advertises (the sidecar's --audience flag overriding the
// CR), so every token is refused; on the volume's PVC, `sim.vapp.dev/cbt-base-lost: "true"` makes
// the driver answer NotFound for the base (an RBD flatten), `sim.vapp.dev/cbt-abort-after: "<n>"`
// cuts every stream with Unavailable after n tuples (the sidecar's --max-streaming-duration).
import { readFile } from 'node:fs/promises';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { SNAPSHOT_METADATA_PROTO } from '../../../datasync/snapshot-metadata/proto-path.ts';
import type { Api } from '../storage/api.ts';
import type { PvcJson } from '../storage/json.ts';
import { ledgerFile } from '../storage/paths.ts';
import { STORAGE_RESOURCES as R } from '../storage/resources.ts';
import { parseLedger } from '../workload/ledger.ts';
import { BLOCK_SIZE, changedBlocks } from './delta.ts';
import type { ServingCertificate } from './tls.ts';

export const SNAPSHOT_METADATA_SERVICES = {
  group: 'cbt.storage.k8s.io',
  version: 'v1beta1',
  plural: 'snapshotmetadataservices',
  kind: 'SnapshotMetadataService',
  namespaced: false,
} as const;

export const CBT_ANNOTATIONS = {
  audience: 'sim.vapp.dev/cbt-audience',
  baseLost: 'sim.vapp.dev/cbt-base-lost',
  abortAfter: 'sim.vapp.dev/cbt-abort-after',
} as const;

/** Tuples per message when the client asks for no number (csi-driver-host-path's default). */
const DEFAULT_MAX_RESULTS = 256;

interface SnapshotMetadataServiceJson {
  metadata?: { name?: string; annotations?: Record<string, string> };
  spec?: { address?: string; caCert?: string; audience?: string };
}
interface VolumeSnapshotJson {
  status?: { readyToUse?: boolean; boundVolumeSnapshotContentName?: string };
}
interface ContentJson {
  metadata?: { name?: string };
  spec?: { driver?: string; source?: { volumeHandle?: string } };
  status?: { readyToUse?: boolean; snapshotHandle?: string; creationTime?: number; restoreSize?: number };
}
interface DeltaRequest {
  securityToken: string;
  namespace: string;
  baseSnapshotId: string;
  targetSnapshotName: string;
  startingOffset: string;
  maxResults: number;
}

class StatusError extends Error {
  readonly code: grpc.status;
  readonly details: string;
  constructor(code: grpc.status, details: string) {
    super(details);
    this.code = code;
    this.details = details;
  }
}

export interface SnapshotMetadataServer {
  readonly port: number;
  stop(): Promise<void>;
}

export interface ServerOptions {
  readonly api: Api;
  readonly driver: string;
  readonly volumesDir: string;
  readonly certificate: ServingCertificate;
  readonly host?: string;
}

export async function startSnapshotMetadataServer(opts: ServerOptions): Promise<SnapshotMetadataServer> {
  const definition = protoLoader.loadSync(SNAPSHOT_METADATA_PROTO, { longs: String, enums: String, defaults: true });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    snapshotmetadata: { SnapshotMetadata: { service: grpc.ServiceDefinition } };
  };
  const server = new grpc.Server();
  server.addService(pkg.snapshotmetadata.SnapshotMetadata.service, {
    GetMetadataAllocated: (call: grpc.ServerWritableStream<unknown, unknown>) => {
      call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: 'GetMetadataAllocated is not simulated' });
    },
    GetMetadataDelta: (call: grpc.ServerWritableStream<DeltaRequest, unknown>) => {
      getMetadataDelta(opts, call).catch((err: unknown) => {
        const e =
          err instanceof StatusError
            ? err
            : new StatusError(grpc.status.INTERNAL, err instanceof Error ? err.message : String(err));
        call.emit('error', { code: e.code, details: e.details });
      });
    },
  });
  const credentials = grpc.ServerCredentials.createSsl(
    null,
    [{ private_key: opts.certificate.keyPem, cert_chain: opts.certificate.certPem }],
    false,
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${opts.host ?? '127.0.0.1'}:0`, credentials, (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2000).unref();
      }),
  };
}

async function getMetadataDelta(opts: ServerOptions, call: grpc.ServerWritableStream<DeltaRequest, unknown>) {
  const req = call.request;
  const invalid = (m: string) => new StatusError(grpc.status.INVALID_ARGUMENT, m);
  if (!req.securityToken) throw invalid('securityToken is missing');
  if (!req.namespace) throw invalid('namespace parameter cannot be empty');
  if (!req.baseSnapshotId) throw invalid('baseSnapshotId cannot be empty');
  if (!req.targetSnapshotName) throw invalid('targetSnapshotName cannot be empty');
  const sms = await opts.api.get<SnapshotMetadataServiceJson>(SNAPSHOT_METADATA_SERVICES, '', opts.driver);
  if (!sms?.spec?.audience)
    throw new StatusError(
      grpc.status.INTERNAL,
      `failed to find the SnapshotMetadataService CR for driver '${opts.driver}': not found`,
    );
  const audience = sms.metadata?.annotations?.[CBT_ANNOTATIONS.audience] ?? sms.spec.audience;
  const user = await authenticate(opts.api, req.securityToken, audience);
  await authorize(opts.api, user, req.namespace);
  // The target: VolumeSnapshot → VolumeSnapshotContent → snapshotHandle (snapshot.go).
  const vs = await opts.api.get<VolumeSnapshotJson>(R.volumeSnapshots, req.namespace, req.targetSnapshotName);
  // A target the sidecar cannot get is Unavailable, not NotFound (snapshot.go getVolumeSnapshot):
  // NotFound is what a driver says of a base snapshot id it does not know.
  if (!vs)
    throw new StatusError(
      grpc.status.UNAVAILABLE,
      `failed to get VolumeSnapshot '${req.namespace}/${req.targetSnapshotName}': not found`,
    );
  if (vs.status?.readyToUse !== true)
    throw new StatusError(
      grpc.status.UNAVAILABLE,
      `the VolumeSnapshot is not yet ready, name: ${req.targetSnapshotName}`,
    );
  const contentName = vs.status.boundVolumeSnapshotContentName;
  if (!contentName)
    throw new StatusError(
      grpc.status.UNAVAILABLE,
      `boundVolumeSnapshotContentName is not set in VolumeSnapshot status, name: ${req.targetSnapshotName}`,
    );
  const target = await opts.api.get<ContentJson>(R.volumeSnapshotContents, '', contentName);
  if (!target)
    throw new StatusError(grpc.status.UNAVAILABLE, `failed to get VolumeSnapshotContent '${contentName}': not found`);
  if (target.spec?.driver !== opts.driver)
    throw invalid(
      `VolumeSnapshot '${req.namespace}/${req.targetSnapshotName}' does not belong to the CSI driver '${opts.driver}'`,
    );
  if (target.status?.readyToUse !== true)
    throw new StatusError(grpc.status.UNAVAILABLE, `the VolumeSnapshotContent is not yet ready, name: ${contentName}`);
  if (!target.status.snapshotHandle)
    throw new StatusError(
      grpc.status.UNAVAILABLE,
      `snapshotHandle is not set in VolumeSnapshotContent status, name: ${contentName}`,
    );
  await streamDelta(opts, call, req, target);
}

/** The driver's part: CSI GetMetadataDelta{base_snapshot_id, target_snapshot_id, starting_offset, max_results}. */
async function streamDelta(
  opts: ServerOptions,
  call: grpc.ServerWritableStream<DeltaRequest, unknown>,
  req: DeltaRequest,
  target: ContentJson,
) {
  const [ns, pvcName] = (target.spec?.source?.volumeHandle ?? '').split('/');
  const contents = await opts.api.client.request<{ items: ContentJson[] }>(
    '/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents',
  );
  const base = contents.items.find((c) => c.status?.snapshotHandle === req.baseSnapshotId);
  const pvc = ns && pvcName ? await opts.api.get<PvcJson>(R.pvcs, ns, pvcName) : undefined;
  const annotations = pvc?.metadata?.annotations ?? {};
  if (!base || base.spec?.driver !== opts.driver || annotations[CBT_ANNOTATIONS.baseLost] === 'true')
    throw new StatusError(grpc.status.NOT_FOUND, `snapshot ${req.baseSnapshotId} not found`);
  if (base.spec.source?.volumeHandle !== target.spec?.source?.volumeHandle)
    throw new StatusError(
      grpc.status.INVALID_ARGUMENT,
      `base snapshot ${req.baseSnapshotId} and target snapshot ${target.status?.snapshotHandle ?? ''} are not of the same volume`,
    );
  const capacity = target.status?.restoreSize ?? 0;
  const start = Number(req.startingOffset);
  if (!Number.isSafeInteger(start) || start < 0 || start > capacity)
    throw new StatusError(grpc.status.OUT_OF_RANGE, `starting_offset ${req.startingOffset} is out of range`);
  const baseCut = (base.status?.creationTime ?? 0) / 1e6;
  const targetCut = (target.status?.creationTime ?? 0) / 1e6;
  let text = '';
  try {
    text = await readFile(ledgerFile(opts.volumesDir, ns ?? '', pvcName ?? ''), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const blocks = changedBlocks(parseLedger(text), baseCut, targetCut, start).filter((o) => o < capacity);
  const perMessage = req.maxResults > 0 ? req.maxResults : DEFAULT_MAX_RESULTS;
  const abortAfter = Number(annotations[CBT_ANNOTATIONS.abortAfter] ?? 'NaN');
  let sent = 0;
  for (let i = 0; i < blocks.length;) {
    let n = Math.min(perMessage, blocks.length - i);
    if (Number.isInteger(abortAfter) && abortAfter > 0) n = Math.min(n, abortAfter - sent);
    if (n <= 0) {
      throw new StatusError(
        grpc.status.UNAVAILABLE,
        `stream cut after ${String(sent)} tuples (${CBT_ANNOTATIONS.abortAfter})`,
      );
    }
    const tuples = blocks.slice(i, i + n).map((o) => ({ byteOffset: String(o), sizeBytes: String(BLOCK_SIZE) }));
    await new Promise<void>((resolve, reject) =>
      call.write(
        { blockMetadataType: 'FIXED_LENGTH', volumeCapacityBytes: String(capacity), blockMetadata: tuples },
        (err: Error | null | undefined) => (err ? reject(err) : resolve()),
      ),
    );
    i += n;
    sent += n;
  }
  call.end();
}

interface ReviewedUser {
  username: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** TokenReview with the service's audience; the audience must be among those the token carries. */
async function authenticate(api: Api, token: string, audience: string): Promise<ReviewedUser> {
  let review: { status?: { authenticated?: boolean; audiences?: string[]; user?: ReviewedUser; error?: string } };
  try {
    review = await api.client.request('/apis/authentication.k8s.io/v1/tokenreviews', {
      method: 'POST',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences: [audience] } },
    });
  } catch (err) {
    throw new StatusError(grpc.status.INTERNAL, `failed to authenticate user: ${(err as Error).message}`);
  }
  const s = review.status;
  if (s?.authenticated !== true || !s.user || !(s.audiences ?? []).includes(audience))
    throw new StatusError(grpc.status.UNAUTHENTICATED, 'unauthenticated user');
  return s.user;
}

/** SubjectAccessReview: may the token's user get volumesnapshots in the namespace? */
async function authorize(api: Api, user: ReviewedUser, namespace: string): Promise<void> {
  let review: { status?: { allowed?: boolean; reason?: string } };
  try {
    review = await api.client.request('/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      method: 'POST',
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: user.username,
          ...(user.uid ? { uid: user.uid } : {}),
          ...(user.groups ? { groups: user.groups } : {}),
          ...(user.extra ? { extra: user.extra } : {}),
          resourceAttributes: {
            namespace,
            verb: 'get',
            group: 'snapshot.storage.k8s.io',
            version: 'v1',
            resource: 'volumesnapshots',
          },
        },
      },
    });
  } catch (err) {
    throw new StatusError(grpc.status.INTERNAL, `failed to authorize the user: ${(err as Error).message}`);
  }
  if (review.status?.allowed !== true)
    throw new StatusError(
      grpc.status.PERMISSION_DENIED,
      `user does not have permissions to perform the operation: ${review.status?.reason ?? user.username}`,
    );
}
