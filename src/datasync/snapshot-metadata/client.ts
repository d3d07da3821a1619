// A client of the Kubernetes SnapshotMetadata service (KEP-3314), as a backup application calls the
// external-snapshot-metadata sidecar: TLS trusting the SnapshotMetadataService's caCert, an
// audience-scoped ServiceAccount token in `security_token` (re-read before every call: a projected
// token rotates), GetMetadataDelta(base snapshot handle, target VolumeSnapshot name) streamed as
// byte ranges. A broken stream is resumed from the end of the last tuple received (the CSI spec's
// "starting_offset" rule; the sidecar cuts streams after --max-streaming-duration), a bounded number
// of times without progress. Errors that asking again cannot fix end it with ChangedBlocksUnavailable.
import { readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ByteRange } from '../ranges.ts';
import type { RangeStream } from '../sync.ts';
import { ChangedBlocksUnavailable, codeName, finalReason, isGrpcError } from './errors.ts';
import { SNAPSHOT_METADATA_PROTO } from './proto-path.ts';

export interface SnapshotMetadataEndpoint {
  /** spec.address of the SnapshotMetadataService: host:port. */
  readonly address: string;
  /** spec.caCert: the PEM bundle (decoded from the object's base64). */
  readonly caCert: Buffer;
}

export interface DeltaRequest {
  readonly namespace: string;
  /** The base: VolumeSnapshotContent.status.snapshotHandle of the earlier snapshot. */
  readonly baseSnapshotId: string;
  /** The VolumeSnapshot name of the later snapshot. */
  readonly targetSnapshotName: string;
  readonly startingOffset?: number;
  /** Tuples per message; 0 lets the server choose. */
  readonly maxResults?: number;
}

export interface DeltaOptions {
  readonly endpoint: SnapshotMetadataEndpoint;
  /** The token, read before every call (a projected serviceAccountToken file rotates). */
  readonly token: () => Promise<string>;
  readonly request: DeltaRequest;
  /** Attempts in a row that receive nothing before giving up (default 3). */
  readonly maxAttemptsWithoutProgress?: number;
  /** Wait before a resume, times the attempt (default 200 ms). */
  readonly resumeDelayMs?: number;
}

/** What a delta stream delivered, for the worker's summary. */
export interface DeltaStats {
  tuples: number;
  messages: number;
  resumes: number;
  blockMetadataType?: string;
  volumeCapacityBytes?: number;
}

interface DeltaResponse {
  blockMetadataType?: string;
  volumeCapacityBytes?: string;
  blockMetadata?: { byteOffset?: string; sizeBytes?: string }[];
}

type DeltaCall = grpc.ClientReadableStream<DeltaResponse>;
interface SnapshotMetadataClient extends grpc.Client {
  GetMetadataDelta(request: Record<string, unknown>): DeltaCall;
}

type ClientConstructor = new (address: string, creds: grpc.ChannelCredentials) => SnapshotMetadataClient;
let clientConstructor: ClientConstructor | undefined;
const UNAVAILABLE: number = grpc.status.UNAVAILABLE;

function constructor(): ClientConstructor {
  if (clientConstructor) return clientConstructor;
  const definition = protoLoader.loadSync(SNAPSHOT_METADATA_PROTO, { longs: String, enums: String, defaults: true });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    snapshotmetadata?: { SnapshotMetadata?: ClientConstructor };
  };
  const found = loaded.snapshotmetadata?.SnapshotMetadata;
  if (found === undefined)
    throw new Error(`${SNAPSHOT_METADATA_PROTO} has no service snapshotmetadata.SnapshotMetadata`);
  clientConstructor = found;
  return found;
}

/** A token file, read when asked. */
export function tokenFile(path: string): () => Promise<string> {
  return async () => (await readFile(path, 'utf8')).trim();
}

/**
 * Opens GetMetadataDelta and waits for its first answer, so that a service that refuses, or a base
 * it does not know, is reported before anything is copied. Returns the rest as a stream of ascending
 * ranges for syncVolumes, and the counters it keeps up to date.
 */
export async function openMetadataDelta(opts: DeltaOptions): Promise<{ ranges: RangeStream; stats: DeltaStats }> {
  const stats: DeltaStats = { tuples: 0, messages: 0, resumes: 0 };
  const iterator = deltaBatches(opts, stats);
  const first = await iterator.next();
  async function* rest(): AsyncGenerator<readonly ByteRange[]> {
    try {
      if (first.done === true) return;
      yield first.value;
      for (;;) {
        const next = await iterator.next();
        if (next.done === true) return;
        yield next.value;
      }
    } finally {
      // A copier that stops early (an I/O error) closes the channel too.
      await iterator.return(undefined);
    }
  }
  return { ranges: rest(), stats };
}

async function* deltaBatches(opts: DeltaOptions, stats: DeltaStats): AsyncGenerator<ByteRange[]> {
  const Client = constructor();
  const client = new Client(opts.endpoint.address, grpc.credentials.createSsl(opts.endpoint.caCert));
  const limit = opts.maxAttemptsWithoutProgress ?? 3;
  let offset = opts.request.startingOffset ?? 0;
  let fixedSize: number | undefined;
  let idleAttempts = 0;
  try {
    for (;;) {
      const call = client.GetMetadataDelta({
        securityToken: await opts.token(),
        namespace: opts.request.namespace,
        baseSnapshotId: opts.request.baseSnapshotId,
        targetSnapshotName: opts.request.targetSnapshotName,
        startingOffset: String(offset),
        maxResults: opts.request.maxResults ?? 0,
      });
      let progressed = false;
      try {
        for await (const message of call as AsyncIterable<DeltaResponse>) {
          stats.messages++;
          const type = message.blockMetadataType ?? 'UNKNOWN';
          const capacity = Number(message.volumeCapacityBytes ?? '0');
          if (stats.blockMetadataType !== undefined && stats.blockMetadataType !== type)
            throw streamFailed(`the block metadata type changed from ${stats.blockMetadataType} to ${type}`);
          stats.blockMetadataType = type;
          stats.volumeCapacityBytes = capacity;
          const batch: ByteRange[] = [];
          for (const tuple of message.blockMetadata ?? []) {
            const start = Number(tuple.byteOffset ?? '0');
            const length = Number(tuple.sizeBytes ?? '0');
            if (!(length > 0)) throw streamFailed(`a tuple at ${String(start)} has size ${String(length)}`);
            if (type === 'FIXED_LENGTH') {
              fixedSize ??= length;
              if (length !== fixedSize)
                throw streamFailed(`FIXED_LENGTH tuples of ${String(fixedSize)} and ${String(length)} bytes`);
            }
            // Ascending and not overlapping; the first tuple after a resume may start before the
            // offset asked for (it ends after it): the copier cuts what it already copied.
            if (start + length <= offset && stats.tuples > 0)
              throw streamFailed(`tuple ${String(start)}+${String(length)} is before ${String(offset)}`);
            batch.push({ offset: start, length });
            offset = start + length;
            stats.tuples++;
          }
          if (batch.length > 0) {
            progressed = true;
            idleAttempts = 0;
            yield batch;
          }
        }
        return;
      } catch (err) {
        call.cancel();
        if (err instanceof ChangedBlocksUnavailable) throw err;
        if (!isGrpcError(err)) throw err;
        const reason = finalReason(err.code);
        const text = `GetMetadataDelta: ${codeName(err.code)}: ${err.details ?? err.message}`;
        if (reason !== undefined) throw new ChangedBlocksUnavailable(reason, text, err.code);
        if (!progressed) idleAttempts++;
        if (idleAttempts >= limit)
          throw new ChangedBlocksUnavailable(
            err.code === UNAVAILABLE && stats.messages === 0 ? 'NoService' : 'StreamFailed',
            `${text} (${String(idleAttempts)} attempts in a row without progress, at offset ${String(offset)})`,
            err.code,
          );
        stats.resumes++;
        await delay((opts.resumeDelayMs ?? 200) * Math.max(1, idleAttempts));
      }
    }
  } finally {
    client.close();
  }
}

function streamFailed(message: string): ChangedBlocksUnavailable {
  return new ChangedBlocksUnavailable('StreamFailed', `GetMetadataDelta: ${message}`);
}
