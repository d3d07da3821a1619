// Errors of the datasync worker: each has a stable code (for the JSON summary and the Job's
// termination message) and a message that says which file, what went wrong and what to do.

export type DatasyncErrorCode =
  | 'USAGE'
  | 'SOURCE_MISSING'
  | 'SOURCE_UNREADABLE'
  | 'TARGET_MISSING'
  | 'TARGET_READ_ONLY'
  | 'TARGET_NOT_WRITABLE'
  | 'NOT_FILE_OR_DEVICE'
  | 'SAME_FILE'
  | 'SIZE_UNSUPPORTED'
  | 'NO_SPACE'
  | 'RANGES_INVALID'
  | 'IO'
  | 'VERIFY_MISMATCH';

/**
 * Errors that a retry cannot fix (wrong paths, permissions, sizes, a bad ranges file): the command
 * exits with status 2 for these, and the Job's podFailurePolicy fails at once instead of retrying.
 * I/O errors and verification mismatches exit with status 1 and are retried.
 */
export const PERMANENT_ERRORS: ReadonlySet<string> = new Set<DatasyncErrorCode>([
  'USAGE',
  'SOURCE_MISSING',
  'SOURCE_UNREADABLE',
  'TARGET_MISSING',
  'TARGET_READ_ONLY',
  'TARGET_NOT_WRITABLE',
  'NOT_FILE_OR_DEVICE',
  'SAME_FILE',
  'SIZE_UNSUPPORTED',
  'NO_SPACE',
  'RANGES_INVALID',
]);

/** Exit status of the command for an error code. */
export function exitStatusFor(code: string): 1 | 2 {
  return PERMANENT_ERRORS.has(code) ? 2 : 1;
}

export class DatasyncError extends Error {
  readonly code: DatasyncErrorCode;

  constructor(code: DatasyncErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DatasyncError';
    this.code = code;
  }
}

/** Which side of the sync an I/O error happened on. */
export type Side = 'source' | 'target' | 'ranges';

/** The errno code (`ENOENT`, `EROFS`...) of a Node.js system error, if it is one. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

/**
 * Turns a Node.js system error from opening, reading, writing or resizing `path` into a
 * {@link DatasyncError} with a message a person can act on. Errors that are already
 * DatasyncErrors pass through.
 */
export function describeIoError(err: unknown, side: Side, path: string, action: string): DatasyncError {
  if (err instanceof DatasyncError) return err;
  const code = errnoCode(err);
  const detail = err instanceof Error ? err.message : String(err);
  const options = { cause: err };
  switch (code) {
    case 'ENOENT':
      if (side === 'source')
        return new DatasyncError(
          'SOURCE_MISSING',
          `source ${path} does not exist (is the snapshot volume attached at that path?)`,
          options,
        );
      if (side === 'target')
        return new DatasyncError(
          'TARGET_MISSING',
          `target ${path} does not exist (the target must be an existing replica image or block device)`,
          options,
        );
      return new DatasyncError('RANGES_INVALID', `ranges file ${path} does not exist`, options);
    case 'EROFS':
      return new DatasyncError(
        'TARGET_READ_ONLY',
        `target ${path} is on a read-only filesystem; mount the target volume read-write`,
        options,
      );
    case 'EACCES':
    case 'EPERM':
      if (side === 'target')
        return new DatasyncError(
          'TARGET_NOT_WRITABLE',
          `cannot ${action} target ${path}: permission denied (check the Pod's fsGroup or the device's owner)`,
          options,
        );
      return new DatasyncError(
        side === 'source' ? 'SOURCE_UNREADABLE' : 'RANGES_INVALID',
        `cannot ${action} ${side} ${path}: permission denied (check the Pod's fsGroup or the device's owner)`,
        options,
      );
    case 'EISDIR':
      return new DatasyncError(
        'NOT_FILE_OR_DEVICE',
        `${side} ${path} is a directory; give the image file inside it (for example ${path.replace(/\/$/, '')}/disk.img) or a block device`,
        options,
      );
    case 'EFBIG':
      return new DatasyncError(
        'SIZE_UNSUPPORTED',
        `target ${path} cannot take the source's size: the file would exceed the maximum file size of its filesystem or of the process (${action})`,
        options,
      );
    case 'ENOSPC':
    case 'EDQUOT':
      return new DatasyncError(
        'NO_SPACE',
        `cannot ${action} target ${path}: no space left on the target volume`,
        options,
      );
    case 'EIO':
    case 'ENXIO':
    case 'ENODEV':
    case 'EMEDIUMTYPE':
    case 'ENOMEDIUM':
      if (side === 'source')
        return new DatasyncError(
          'SOURCE_UNREADABLE',
          `cannot ${action} source ${path}: device I/O error (${code})`,
          options,
        );
      return new DatasyncError('IO', `cannot ${action} ${side} ${path}: device I/O error (${code})`, options);
    default:
      return new DatasyncError('IO', `cannot ${action} ${side} ${path}: ${detail}`, options);
  }
}
