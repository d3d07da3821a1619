// A thin JSON client over client-node's own HTTP stack (its TLS, auth plugins and undici
// dispatcher), returning raw JSON. The typed APIs deserialize into classes with Date fields, while
// watch events are plain JSON; the informer cache and our zod schemas need one shape, the raw one.
import {
  ApiException,
  HttpMethod,
  type Configuration,
  type KubeConfig,
  type RequestContext,
} from '@kubernetes/client-node';

/** Options of one request. */
export interface RequestOptions {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  /** Serialized as JSON (which is also valid YAML for server-side apply). */
  readonly body?: unknown;
  /** Content-Type of the body (default application/json). */
  readonly contentType?: string;
  readonly signal?: AbortSignal;
}

class ConfigHolder {
  readonly config: Configuration;
  constructor(config: Configuration) {
    this.config = config;
  }
}

const methods = {
  GET: HttpMethod.GET,
  POST: HttpMethod.POST,
  PUT: HttpMethod.PUT,
  PATCH: HttpMethod.PATCH,
  DELETE: HttpMethod.DELETE,
} as const;

/** Options for {@link RestClient}. */
export interface RestClientOptions {
  /**
   * Deadline of each non-streaming request in milliseconds (default 60 s): a request sent on a
   * connection that died silently must fail, not hang the caller for ever.
   */
  readonly timeoutMs?: number;
  /** Called after every answered request (watches when they open): the `rest_client_requests_total` counter. */
  readonly onResponse?: (method: string, path: string, code: number) => void;
}

/** Raw JSON access to the API server for paths such as `/apis/vapp.dev/v1alpha1/...`. */
export class RestClient {
  readonly kubeConfig: KubeConfig;
  readonly #config: Configuration;
  readonly #timeoutMs: number;
  readonly #onResponse: RestClientOptions['onResponse'];
  /**
   * client-node creates a new connection pool (undici Agent) for every request, so every call
   * would pay a TLS handshake. Plain requests share the first pool instead (keep-alive); watch
   * streams keep their own connection each, so a stuck watch never blocks other calls.
   */
  #pool: ReturnType<RequestContext['getDispatcher']>;

  constructor(kubeConfig: KubeConfig, opts: RestClientOptions = {}) {
    this.kubeConfig = kubeConfig;
    this.#config = kubeConfig.makeApiClient(ConfigHolder).config;
    this.#timeoutMs = opts.timeoutMs ?? 60_000;
    this.#onResponse = opts.onResponse;
  }

  /** Sends a request and returns the parsed JSON body; throws ApiException (raw body) on non-2xx. */
  async request<T = unknown>(path: string, opts: RequestOptions = {}): Promise<T> {
    const text = await this.requestText(path, opts);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  /** Like {@link request}, the body as text (e.g. the API server's `/metrics`). */
  async requestText(path: string, opts: RequestOptions = {}): Promise<string> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const res = await this.#send(
      path,
      { ...opts, signal: opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout },
      true,
    );
    const text = await res.body.text();
    if (res.httpStatusCode < 200 || res.httpStatusCode > 299) {
      throw new ApiException(
        res.httpStatusCode,
        `${opts.method ?? 'GET'} ${path}: HTTP ${res.httpStatusCode}`,
        text,
        res.headers,
      );
    }
    return text;
  }

  /** Opens a streaming GET (for watches); throws ApiException on non-2xx. Abort with `signal`. */
  async stream(path: string, opts: RequestOptions = {}): Promise<ReadableStream<Uint8Array>> {
    const res = await this.#send(path, opts);
    const body = res.body.stream();
    if (res.httpStatusCode < 200 || res.httpStatusCode > 299 || body === null) {
      const text = await res.body.text().catch(() => '');
      throw new ApiException(res.httpStatusCode, `GET ${path}: HTTP ${res.httpStatusCode}`, text, res.headers);
    }
    return body;
  }

  async #send(path: string, opts: RequestOptions, pooled = false) {
    const ctx = this.#config.baseServer.makeRequestContext(path, methods[opts.method ?? 'GET']);
    for (const [k, v] of Object.entries(opts.query ?? {})) {
      if (v !== undefined) ctx.setQueryParam(k, String(v));
    }
    ctx.setHeaderParam('Accept', 'application/json');
    if (opts.body !== undefined) {
      ctx.setHeaderParam('Content-Type', opts.contentType ?? 'application/json');
      ctx.setBody(JSON.stringify(opts.body));
    }
    if (opts.signal) ctx.setSignal(opts.signal);
    await this.#config.authMethods.default?.applySecurityAuthentication(ctx);
    if (pooled) {
      this.#pool ??= ctx.getDispatcher();
      if (this.#pool !== undefined) ctx.setDispatcher(this.#pool);
    }
    const res = await this.#config.httpApi.send(ctx).toPromise();
    this.#onResponse?.(opts.method ?? 'GET', path, res.httpStatusCode);
    return res;
  }
}
