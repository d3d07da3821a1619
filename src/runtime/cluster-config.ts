// Where the API server is and how to authenticate to it, loaded the way client-go's loading rules
// do for an operator: a kubeconfig file (--kubeconfig, $KUBECONFIG, ~/.kube/config) or, in a Pod,
// the ServiceAccount's token and CA. Our own loader so that the operator process never imports
// @kubernetes/client-node (whose KubeConfig module loads every generated API model: ~85 MiB RSS).
// What it reads: client certificates, bearer tokens (inline or a file, re-read as kubelet rotates
// it), basic auth, the CA, insecure-skip-tls-verify, tls-server-name, the current (or a named)
// context. Exec and auth-provider plugins and a cluster's proxy-url are client-node's: `needsPlugin`
// tells the caller.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';
import type { ClusterAccess } from './rest.ts';

/** A resolved connection to one API server. */
export interface ClusterConfig {
  /** `https://host:port`, possibly with a path prefix (a proxy's). */
  readonly server: string;
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly token?: string;
  /** A token re-read from this file (a projected ServiceAccount token rotates). */
  readonly tokenFile?: string;
  readonly username?: string;
  readonly password?: string;
  readonly insecureSkipTLSVerify?: boolean;
  readonly tlsServerName?: string;
  /** The context's namespace (the ServiceAccount's in a Pod). */
  readonly namespace?: string;
}

/** The fields of a kubeconfig file this loader reads (kubectl's names). */
interface KubeconfigFile {
  'current-context'?: string;
  clusters?: { name?: string; cluster?: Record<string, unknown> }[];
  users?: { name?: string; user?: Record<string, unknown> }[];
  contexts?: { name?: string; context?: { cluster?: string; user?: string; namespace?: string } }[];
}

/** A kubeconfig as loaded: its entries with the directory each came from (relative paths resolve there). */
export interface Kubeconfig {
  readonly currentContext?: string;
  readonly clusters: ReadonlyMap<string, { dir: string; cluster: Record<string, unknown> }>;
  readonly users: ReadonlyMap<string, { dir: string; user: Record<string, unknown> }>;
  readonly contexts: ReadonlyMap<string, { cluster?: string; user?: string; namespace?: string }>;
}

/**
 * Parses and merges kubeconfig files as kubectl does with $KUBECONFIG: the first file to name an
 * entry (or set current-context) wins.
 */
export function parseKubeconfigs(files: readonly { text: string; dir: string }[]): Kubeconfig {
  let currentContext: string | undefined;
  const clusters = new Map<string, { dir: string; cluster: Record<string, unknown> }>();
  const users = new Map<string, { dir: string; user: Record<string, unknown> }>();
  const contexts = new Map<string, { cluster?: string; user?: string; namespace?: string }>();
  for (const { text, dir } of files) {
    const doc = (parse(text) ?? {}) as KubeconfigFile;
    if (typeof doc !== 'object') throw new Error('a kubeconfig must be a YAML mapping');
    currentContext ??= doc['current-context'] || undefined;
    for (const c of doc.clusters ?? [])
      if (c.name && !clusters.has(c.name)) clusters.set(c.name, { dir, cluster: c.cluster ?? {} });
    for (const u of doc.users ?? []) if (u.name && !users.has(u.name)) users.set(u.name, { dir, user: u.user ?? {} });
    for (const c of doc.contexts ?? []) if (c.name && !contexts.has(c.name)) contexts.set(c.name, c.context ?? {});
  }
  return { ...(currentContext ? { currentContext } : {}), clusters, users, contexts };
}

/**
 * Whether the context needs what this loader leaves to client-node: a user that authenticates with a
 * plugin (exec, auth-provider), or a cluster reached through a proxy (`proxy-url`: HTTP or SOCKS).
 */
export function needsPlugin(config: Kubeconfig, context?: string): boolean {
  const ctx = config.contexts.get(context ?? config.currentContext ?? '');
  const user = ctx?.user === undefined ? undefined : config.users.get(ctx.user)?.user;
  const cluster = ctx?.cluster === undefined ? undefined : config.clusters.get(ctx.cluster)?.cluster;
  const plugin = user !== undefined && (user.exec !== undefined || user['auth-provider'] !== undefined);
  return plugin || cluster?.['proxy-url'] !== undefined;
}

/** The connection of a context (default: the current one); throws naming what is missing. */
export function resolveContext(config: Kubeconfig, context?: string): ClusterConfig {
  const name = context ?? config.currentContext;
  if (!name) throw new Error('the kubeconfig has no current-context');
  const ctx = config.contexts.get(name);
  if (!ctx) throw new Error(`the kubeconfig has no context ${name}`);
  const cluster = ctx.cluster === undefined ? undefined : config.clusters.get(ctx.cluster);
  if (!cluster) throw new Error(`context ${name}: no cluster ${ctx.cluster ?? '(none named)'} in the kubeconfig`);
  const server = str(cluster.cluster.server);
  if (!server) throw new Error(`cluster ${ctx.cluster}: no server`);
  const user = ctx.user === undefined ? undefined : config.users.get(ctx.user);
  if (ctx.user !== undefined && !user) throw new Error(`context ${name}: no user ${ctx.user} in the kubeconfig`);
  const u = user?.user ?? {};
  if (u.exec !== undefined || u['auth-provider'] !== undefined)
    throw new Error(`user ${ctx.user}: exec and auth-provider plugins are not read by this loader`);
  const c = cluster.cluster;
  if (c['proxy-url'] !== undefined) throw new Error(`cluster ${ctx.cluster}: proxy-url is not read by this loader`);
  const ca = fileOrData(c['certificate-authority'], c['certificate-authority-data'], cluster.dir);
  const cert = fileOrData(u['client-certificate'], u['client-certificate-data'], user?.dir ?? '');
  const key = fileOrData(u['client-key'], u['client-key-data'], user?.dir ?? '');
  const tokenFile = str(u.tokenFile);
  return {
    server,
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(str(u.token) ? { token: str(u.token) } : {}),
    ...(tokenFile ? { tokenFile: resolvePath(tokenFile, user?.dir ?? '') } : {}),
    ...(str(u.username) ? { username: str(u.username), password: str(u.password) ?? '' } : {}),
    ...(c['insecure-skip-tls-verify'] === true ? { insecureSkipTLSVerify: true } : {}),
    ...(str(c['tls-server-name']) ? { tlsServerName: str(c['tls-server-name']) } : {}),
    ...(ctx.namespace ? { namespace: ctx.namespace } : {}),
  };
}

/** The files and variables the in-cluster config reads (client-go's rest.InClusterConfig). */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The connection of a Pod to its cluster: KUBERNETES_SERVICE_HOST/PORT, the token and CA mounted in it. */
export function inClusterConfig(
  env: NodeJS.ProcessEnv = process.env,
  dir: string = SERVICE_ACCOUNT_DIR,
  read: (path: string) => Buffer = readFileSync,
): ClusterConfig {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) throw new Error('not in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT unset');
  let namespace: string | undefined;
  try {
    namespace = read(join(dir, 'namespace')).toString('utf8').trim() || undefined;
  } catch {
    namespace = undefined;
  }
  // The token is read now too, so that a Pod without one fails at start, not at the first request.
  read(join(dir, 'token'));
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    ca: read(join(dir, 'ca.crt')),
    tokenFile: join(dir, 'token'),
    ...(namespace ? { namespace } : {}),
  };
}

/** Where a configuration comes from, in client-node's `loadFromDefault` order. */
export type ConfigSource =
  { readonly kind: 'kubeconfig'; readonly files: readonly string[] } | { readonly kind: 'in-cluster' };

/**
 * The explicit file, else $KUBECONFIG's files, else ~/.kube/config if it exists, else the
 * in-cluster config (when KUBERNETES_SERVICE_HOST is set).
 */
export function configSource(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  exists: (path: string) => boolean = fileExists,
): ConfigSource {
  if (explicit) return { kind: 'kubeconfig', files: [explicit] };
  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter((f) => f !== '');
  if (listed.length > 0) return { kind: 'kubeconfig', files: listed.filter(exists) };
  const home = join(env.HOME ?? homedir(), '.kube', 'config');
  if (exists(home)) return { kind: 'kubeconfig', files: [home] };
  if (env.KUBERNETES_SERVICE_HOST) return { kind: 'in-cluster' };
  throw new Error('no kubeconfig (--kubeconfig, $KUBECONFIG, ~/.kube/config) and not in a cluster');
}

/** Reads the kubeconfig files of a source. */
export function readKubeconfigs(files: readonly string[]): Kubeconfig {
  if (files.length === 0) throw new Error('none of the $KUBECONFIG files exists');
  return parseKubeconfigs(files.map((f) => ({ text: readFileSync(f, 'utf8'), dir: dirname(f) })));
}

/** How often a token file is read again (client-go's cached token source re-reads every minute). */
export const TOKEN_FILE_TTL_MS = 60_000;

/** The bearer token of a configuration, re-reading its file at most every {@link TOKEN_FILE_TTL_MS}. */
export class TokenSource {
  readonly #config: ClusterConfig;
  readonly #read: (path: string) => string;
  readonly #now: () => number;
  #cached: { token: string; at: number } | undefined;

  constructor(
    config: ClusterConfig,
    read: (path: string) => string = (p) => readFileSync(p, 'utf8'),
    now: () => number = Date.now,
  ) {
    this.#config = config;
    this.#read = read;
    this.#now = now;
  }

  token(): string | undefined {
    const file = this.#config.tokenFile;
    if (file === undefined) return this.#config.token;
    const now = this.#now();
    if (this.#cached === undefined || now - this.#cached.at >= TOKEN_FILE_TTL_MS) {
      try {
        this.#cached = { token: this.#read(file).trim(), at: now };
      } catch (err) {
        // A failed re-read keeps the last token (kubelet replaces the file atomically; a miss is brief).
        if (this.#cached === undefined) throw err;
      }
    }
    return this.#cached.token;
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function resolvePath(file: string, dir: string): string {
  return isAbsolute(file) || dir === '' ? file : join(dir, file);
}

/** Inline data wins over a file, as in client-go (`CAData takes precedence over CAFile`). */
function fileOrData(file: unknown, data: unknown, dir: string): Buffer | undefined {
  const d = str(data);
  if (d) return Buffer.from(d, 'base64');
  const f = str(file);
  return f ? readFileSync(resolvePath(f, dir)) : undefined;
}

function fileExists(path: string): boolean {
  return existsSync(path);
}

/**
 * The operator's connection: {@link configSource}'s, resolved by this loader; only a kubeconfig
 * whose user needs an exec or auth-provider plugin (a developer's cloud login) is handed to
 * client-node, loaded then and only then.
 */
export async function loadClusterAccess(kubeconfig: string | undefined): Promise<ClusterAccess> {
  const source = configSource(kubeconfig);
  if (source.kind === 'in-cluster') return inClusterConfig();
  const config = readKubeconfigs(source.files);
  if (!needsPlugin(config)) return resolveContext(config);
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  if (source.files.length === 1 && source.files[0] !== undefined) kc.loadFromFile(source.files[0]);
  else kc.loadFromDefault();
  return kc;
}
