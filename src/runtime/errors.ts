// Classifies API errors: our RestClient's ApiError and @kubernetes/client-node 2.x's ApiException
// (the CLI, the sandbox and tests use its typed clients). Both carry { code, body } where body is
// the raw response text (usually a JSON v1 Status). Recognised by shape, not by class, so that the
// operator process never loads client-node (its import alone costs ~85 MiB of RSS).

/** A non-2xx answer of the API server: the HTTP status, the raw body and the response headers. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: number;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  constructor(code: number, message: string, body: string, headers: Readonly<Record<string, string>> = {}) {
    super(`${message}${body ? `: ${body.slice(0, 500)}` : ''}`);
    this.code = code;
    this.body = body;
    this.headers = headers;
  }
}

/** An ApiError or client-node's ApiException: a numeric HTTP `code` and a `body`. */
function isApiAnswer(err: unknown): err is { code: number; body: unknown } {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'number' && 'body' in err;
}

/** The fields of a metav1.Status that callers branch on. */
export interface StatusDetails {
  readonly code: number;
  readonly reason?: string;
  readonly message?: string;
}

/** The HTTP status and the Status reason/message of an API error, or undefined for other errors. */
export function apiStatus(err: unknown): StatusDetails | undefined {
  if (isApiAnswer(err)) return { code: err.code, ...parseStatusBody(err.body) };
  // Errors from the watch stream carry the HTTP status this way.
  const statusCode = err instanceof Error ? (err as Error & { statusCode?: unknown }).statusCode : undefined;
  if (err instanceof Error && typeof statusCode === 'number') return { code: statusCode, message: err.message };
  return undefined;
}

function parseStatusBody(body: unknown): { reason?: string; message?: string } {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return body === '' ? {} : { message: body };
    }
  }
  if (value !== null && typeof value === 'object') {
    const { reason, message } = value as { reason?: unknown; message?: unknown };
    return {
      ...(typeof reason === 'string' ? { reason } : {}),
      ...(typeof message === 'string' ? { message } : {}),
    };
  }
  return {};
}

/** 404: the object (or its namespace, or its kind) does not exist. */
export function isNotFound(err: unknown): boolean {
  return apiStatus(err)?.code === 404;
}

/** 403: RBAC (or an admission policy) refused. */
export function isForbidden(err: unknown): boolean {
  return apiStatus(err)?.code === 403;
}

/** 409 Conflict on a stale resourceVersion (not AlreadyExists, which is also a 409). */
export function isConflict(err: unknown): boolean {
  const s = apiStatus(err);
  return s?.code === 409 && s.reason !== 'AlreadyExists';
}

/** 409 AlreadyExists on create. */
export function isAlreadyExists(err: unknown): boolean {
  const s = apiStatus(err);
  return s?.code === 409 && s.reason === 'AlreadyExists';
}

/** 410 Gone: the resourceVersion is too old (compacted); relist. */
export function isGone(err: unknown): boolean {
  return apiStatus(err)?.code === 410;
}

/**
 * Whether retrying the same request may succeed: no answer at all (a timeout, a reset connection), a
 * server error (5xx), a conflict on a stale resourceVersion (409), too many requests (429) or a
 * request timeout (408). Any other answer (403 Forbidden, 404, 422 Invalid...) says the request
 * itself is refused: the same request will be refused again until someone changes something.
 */
export function isRetryable(err: unknown): boolean {
  const s = apiStatus(err);
  if (s === undefined) return true;
  return s.code >= 500 || s.code === 409 || s.code === 429 || s.code === 408 || s.code === 0;
}

/** A short human-readable description of any error, for logs and conditions. */
export function errorMessage(err: unknown): string {
  const s = apiStatus(err);
  if (s) return `${s.code}${s.reason ? ` ${s.reason}` : ''}: ${s.message ?? 'API error'}`;
  return err instanceof Error ? err.message : String(err);
}
