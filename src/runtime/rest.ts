// A thin JSON client of the API server over node:https, returning raw JSON. The typed APIs of
// client-node deserialize into classes with Date fields, while watch events are plain JSON; the
// informer cache and our zod schemas need one shape, the raw one. Our own HTTP (not client-node's)
// so that the operator process never loads client-node; the CLI, the sandbox and tests may still
// hand it a client-node KubeConfig, whose auth (exec plugins included) it then asks per request.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions as HttpsOptions } from 'node:https';
import { Readable } from 'node:stream';
import { TokenSource, type ClusterConfig } from './cluster-config.ts';
import { ApiError } from './errors.ts';

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

/**
 * client-node's KubeConfig as this client uses it, by shape: `import type` of the class would do
 * as well, but the shape says what is used and lets any equivalent object in.
 */
export interface KubeConfigLike {
  getCurrentCluster(): { readonly server: string; readonly proxyUrl?: string } | null;
  applyToHTTPSOptions(opts: HttpsOptions): Promise<void>;
}

/** What a RestClient connects with: our own ClusterConfig (the operator) or a client-node KubeConfig. */
export type ClusterAccess = ClusterConfig | KubeConfigLike;

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

/** The TLS material of a connection; an agent (its pool) is kept while this stays the same. */
interface Tls {
  readonly ca?: Buffer | string | undefined;
  readonly cert?: Buffer | string | undefined;
  readonly key?: Buffer | string | undefined;
  readonly rejectUnauthorized?: boolean | undefined;
  readonly servername?: string | undefined;
}

/** Raw JSON access to the API server for paths such as `/apis/vapp.dev/v1alpha1/...`. */
export class RestClient {
  readonly access: ClusterAccess;
  readonly #base: URL;
  readonly #timeoutMs: number;
  readonly #onResponse: RestClientOptions['onResponse'];
  readonly #tokens: TokenSource | undefined;
  /**
   * One keep-alive pool for all requests (a TLS handshake per request would cost the API server
   * more than the request). A watch holds its socket while it streams; other requests take others.
   */
  #agent: { tls: Tls; agent: HttpAgent } | undefined;

  constructor(access: ClusterAccess, opts: RestClientOptions = {}) {
    this.access = access;
    const server = isKubeConfig(access) ? access.getCurrentCluster()?.server : access.server;
    if (!server) throw new Error('the kubeconfig has no current cluster');
    this.#base = new URL(server);
    this.#timeoutMs = opts.timeoutMs ?? 60_000;
    this.#onResponse = opts.onResponse;
    this.#tokens = isKubeConfig(access) ? undefined : new TokenSource(access);
  }

  /** Sends a request and returns the parsed JSON body; throws ApiError (raw body) on non-2xx. */
  async request<T = unknown>(path: string, opts: RequestOptions = {}): Promise<T> {
    const text = await this.requestText(path, opts);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  /** Like {@link request}, the body as text (e.g. the API server's `/metrics`). */
  async requestText(path: string, opts: RequestOptions = {}): Promise<string> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const res = await this.#send(path, {
      ...opts,
      signal: opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout,
    });
    const text = await bodyText(res);
    const code = res.statusCode ?? 0;
    if (code < 200 || code > 299) throw apiError(res, `${opts.method ?? 'GET'} ${path}`, text);
    return text;
  }

  /** Opens a streaming GET (for watches); throws ApiError on non-2xx. Abort with `signal`. */
  async stream(path: string, opts: RequestOptions = {}): Promise<ReadableStream<Uint8Array>> {
    const res = await this.#send(path, opts);
    const code = res.statusCode ?? 0;
    if (code < 200 || code > 299) throw apiError(res, `GET ${path}`, await bodyText(res).catch(() => ''));
    return Readable.toWeb(res) as ReadableStream<Uint8Array>;
  }

  async #send(path: string, opts: RequestOptions): Promise<IncomingMessage> {
    const method = opts.method ?? 'GET';
    const { agent, headers } = await this.#connection();
    const prefix = this.#base.pathname.replace(/\/$/, '');
    const url = new URL(prefix + path, this.#base);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = send(url, {
        method,
        agent,
        headers: {
          ...headers,
          Accept: 'application/json',
          ...(body === undefined
            ? {}
            : { 'Content-Type': opts.contentType ?? 'application/json', 'Content-Length': Buffer.byteLength(body) }),
        },
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      req.once('response', resolve);
      req.once('error', reject);
      req.end(body);
    });
    this.#onResponse?.(method, path, res.statusCode ?? 0);
    return res;
  }

  /** The pool and the auth headers of the next request. */
  async #connection(): Promise<{ agent: HttpAgent; headers: OutgoingHttpHeaders }> {
    if (isKubeConfig(this.access)) {
      // client-node applies the CA, client certificate and auth (token, exec plugin) per call.
      const opts: HttpsOptions = {};
      await this.access.applyToHTTPSOptions(opts);
      const headers: OutgoingHttpHeaders = { ...(opts.headers as OutgoingHttpHeaders | undefined) };
      if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
      // A cluster behind a proxy (kubeconfig proxy-url): client-node's agent speaks to the proxy
      // (HTTP CONNECT or SOCKS); it caches that agent per cluster and user, so it is still one pool.
      if (this.access.getCurrentCluster()?.proxyUrl && opts.agent instanceof HttpAgent)
        return { agent: opts.agent, headers };
      return { agent: this.#agentFor(tlsOf(opts)), headers };
    }
    const c = this.access;
    const token = this.#tokens?.token();
    const headers: OutgoingHttpHeaders = token
      ? { Authorization: `Bearer ${token}` }
      : c.username !== undefined
        ? { Authorization: `Basic ${Buffer.from(`${c.username}:${c.password ?? ''}`).toString('base64')}` }
        : {};
    return {
      agent: this.#agentFor({
        ca: c.ca,
        cert: c.cert,
        key: c.key,
        ...(c.insecureSkipTLSVerify ? { rejectUnauthorized: false } : {}),
        servername: c.tlsServerName,
      }),
      headers,
    };
  }

  #agentFor(tls: Tls): HttpAgent {
    if (this.#agent && sameTls(this.#agent.tls, tls)) return this.#agent.agent;
    this.#agent?.agent.destroy();
    const defined = Object.fromEntries(Object.entries(tls).filter(([, v]) => v !== undefined));
    const agent =
      this.#base.protocol === 'http:'
        ? new HttpAgent({ keepAlive: true })
        : new HttpsAgent({ keepAlive: true, ...defined });
    this.#agent = { tls, agent };
    return agent;
  }
}

function isKubeConfig(access: ClusterAccess): access is KubeConfigLike {
  return typeof (access as Partial<KubeConfigLike>).applyToHTTPSOptions === 'function';
}

function tlsOf(opts: HttpsOptions): Tls {
  return {
    ca: opts.ca as Buffer | string | undefined,
    cert: opts.cert as Buffer | string | undefined,
    key: opts.key as Buffer | string | undefined,
    rejectUnauthorized: opts.rejectUnauthorized,
    servername: opts.servername,
  };
}

function sameTls(a: Tls, b: Tls): boolean {
  const same = (x: Buffer | string | undefined, y: Buffer | string | undefined): boolean =>
    x === y || (x !== undefined && y !== undefined && Buffer.from(x).equals(Buffer.from(y)));
  return (
    same(a.ca, b.ca) &&
    same(a.cert, b.cert) &&
    same(a.key, b.key) &&
    a.rejectUnauthorized === b.rejectUnauthorized &&
    a.servername === b.servername
  );
}

async function bodyText(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function apiError(res: IncomingMessage, what: string, text: string): ApiError {
  const code = res.statusCode ?? 0;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers))
    if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  return new ApiError(code, `${what}: HTTP ${code}`, text, headers);
}
