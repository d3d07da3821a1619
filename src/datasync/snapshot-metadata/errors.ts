// Why changed ranges could not come from the SnapshotMetadata service: the worker falls back to
// comparing, and the reason travels to the round's status and a Warning Event.
import { status as GrpcStatus } from '@grpc/grpc-js';

/**
 * NoService: the driver advertises no SnapshotMetadataService (or it cannot be reached);
 * BaseGone: the base snapshot (or the target) is unknown to the driver or the sidecar (NotFound);
 * Refused: the token or the caller's RBAC was refused (Unauthenticated, PermissionDenied);
 * Unsupported: the driver does not track changes for this volume (FailedPrecondition, Unimplemented);
 * StreamFailed: a stream broke more often than it may be resumed, or sent tuples out of order.
 */
export type ChangedBlocksReason = 'NoService' | 'BaseGone' | 'Refused' | 'Unsupported' | 'StreamFailed';

export class ChangedBlocksUnavailable extends Error {
  readonly reason: ChangedBlocksReason;
  readonly grpcCode: number | undefined;
  constructor(reason: ChangedBlocksReason, message: string, grpcCode?: number) {
    super(message);
    this.name = 'ChangedBlocksUnavailable';
    this.reason = reason;
    this.grpcCode = grpcCode;
  }
}

/** A gRPC status error as @grpc/grpc-js reports it. */
export interface GrpcError {
  readonly code: number;
  readonly details?: string;
  readonly message: string;
}

export function isGrpcError(err: unknown): err is GrpcError {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'number';
}

export function codeName(code: number): string {
  return (GrpcStatus as unknown as Record<number, string>)[code] ?? String(code);
}

/**
 * Codes after which asking again cannot help: the answer is a fallback to compare. The others
 * (Unavailable — also a snapshot not ready yet —, Internal, Aborted, DeadlineExceeded, Cancelled,
 * ResourceExhausted, Unknown: a stream the sidecar cut after --max-streaming-duration) are resumed.
 * From pkg/internal/server/grpc/status.go of kubernetes-csi/external-snapshot-metadata and the CSI
 * spec's GetMetadataDelta error table.
 */
const FINAL_REASONS = new Map<number, ChangedBlocksReason>([
  [GrpcStatus.UNAUTHENTICATED, 'Refused'],
  [GrpcStatus.PERMISSION_DENIED, 'Refused'],
  [GrpcStatus.NOT_FOUND, 'BaseGone'],
  [GrpcStatus.FAILED_PRECONDITION, 'Unsupported'],
  [GrpcStatus.UNIMPLEMENTED, 'Unsupported'],
  [GrpcStatus.INVALID_ARGUMENT, 'Unsupported'],
  [GrpcStatus.OUT_OF_RANGE, 'Unsupported'],
]);

export function finalReason(code: number): ChangedBlocksReason | undefined {
  return FINAL_REASONS.get(code);
}
