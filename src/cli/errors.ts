// An error the plugin reports to the user as one line (no stack) with its exit code, and the exit
// codes the commands use.
import { apiStatus } from '../runtime/errors.ts';

/**
 * Exit codes: 0 success, 1 an error, 2 a refused request. `get plan --watch` exits with the way the
 * plan ended: 0 Succeeded, 10 Failed, 11 Aborted, 12 RolledBack, 13 deleted while watched.
 */
export const EXIT = {
  ok: 0,
  error: 1,
  /** A request (approve, abort, ...) was refused: the object's state does not allow it. */
  refused: 2,
  failed: 10,
  aborted: 11,
  rolledBack: 12,
  deleted: 13,
  /** Interrupted (Ctrl-C), as shells report SIGINT. */
  interrupted: 130,
} as const;

export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, opts: { exitCode?: number } = {}) {
    super(message);
    this.name = 'CliError';
    this.exitCode = opts.exitCode ?? EXIT.error;
  }
}

/** One line for an error: the API server's message for an API error, else the error's message. */
export function describeError(err: unknown): string {
  // client-node's ApiException (typed clients) and the RestClient's ApiError alike.
  const status = err instanceof Error ? apiStatus(err) : undefined;
  if (status) return `the API server answered ${String(status.code)}: ${status.message ?? (err as Error).message}`;
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    const detail = cause instanceof Error && !err.message.includes(cause.message) ? `: ${cause.message}` : '';
    return `${err.message}${detail}`;
  }
  return String(err);
}
