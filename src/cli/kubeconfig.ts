// Which cluster, user and namespace a command talks to, resolved as kubectl resolves them, so that
// `kubectl vapp` lands where `kubectl` does:
// - --kubeconfig FILE: that file alone (it must exist);
// - else $KUBECONFIG, a list of files (':' on Unix): missing files are skipped and the files are
//   merged with the first one to set a value winning (current-context, and each named cluster,
//   user and context), unlike client-node's own loader, which lets later files win and throws on a
//   name defined twice;
// - else ~/.kube/config;
// - --context NAME picks the context (it must exist), else current-context;
// - -n/--namespace, else the context's namespace, else "default".
// Relative certificate paths are taken relative to the file that names them, as kubectl does.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { KubeConfig, type Cluster, type Context, type User } from '@kubernetes/client-node';
import { CliError } from './errors.ts';

/** The connection flags every command takes. */
export interface ConnectionFlags {
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
  readonly namespace?: string | undefined;
}

/** Where a command talks to. */
export interface Connection {
  readonly kubeConfig: KubeConfig;
  readonly context: string;
  readonly namespace: string;
  /** The files read, in order. */
  readonly files: readonly string[];
}

export interface ResolveEnvironment {
  readonly KUBECONFIG?: string | undefined;
  readonly home?: string;
}

/** The kubeconfig files kubectl would read, in order of precedence. */
export function kubeconfigFiles(flags: ConnectionFlags, env: ResolveEnvironment = processEnvironment()): string[] {
  if (flags.kubeconfig !== undefined && flags.kubeconfig !== '') {
    if (!existsSync(flags.kubeconfig))
      throw new CliError(`--kubeconfig ${flags.kubeconfig}: no such file`, { exitCode: 1 });
    return [flags.kubeconfig];
  }
  if (env.KUBECONFIG !== undefined && env.KUBECONFIG !== '') {
    return env.KUBECONFIG.split(path.delimiter).filter((f) => f !== '' && existsSync(f));
  }
  const home = path.join(env.home ?? homedir(), '.kube', 'config');
  return existsSync(home) ? [home] : [];
}

/** Reads and merges the kubeconfig files, picks the context and the namespace. */
export function resolveConnection(flags: ConnectionFlags, env: ResolveEnvironment = processEnvironment()): Connection {
  const files = kubeconfigFiles(flags, env);
  if (files.length === 0)
    throw new CliError('no kubeconfig found: set KUBECONFIG, pass --kubeconfig FILE, or create ~/.kube/config');
  const merged = { clusters: [] as Cluster[], users: [] as User[], contexts: [] as Context[], currentContext: '' };
  for (const file of files) {
    const kc = new KubeConfig();
    try {
      kc.loadFromFile(file);
    } catch (err) {
      throw new CliError(`kubeconfig ${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (merged.currentContext === '' && kc.currentContext) merged.currentContext = kc.currentContext;
    addNew(merged.clusters, kc.clusters);
    addNew(merged.users, kc.users);
    addNew(merged.contexts, kc.contexts);
  }
  const context = flags.context !== undefined && flags.context !== '' ? flags.context : merged.currentContext;
  if (context === '')
    throw new CliError(`no current context in ${files.join(', ')}: pass --context NAME (kubectl config get-contexts)`);
  const ctx = merged.contexts.find((c) => c.name === context);
  if (ctx === undefined) throw new CliError(`context "${context}" does not exist in ${files.join(', ')}`);
  if (!merged.clusters.some((c) => c.name === ctx.cluster))
    throw new CliError(`context "${context}" names cluster "${ctx.cluster}", which is not defined`);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({ ...merged, currentContext: context });
  const namespace =
    flags.namespace !== undefined && flags.namespace !== '' ? flags.namespace : ctx.namespace || 'default';
  return { kubeConfig, context, namespace, files };
}

function addNew<T extends { readonly name: string }>(into: T[], from: readonly T[]): void {
  for (const item of from) if (!into.some((x) => x.name === item.name)) into.push(item);
}

function processEnvironment(): ResolveEnvironment {
  return { KUBECONFIG: process.env.KUBECONFIG };
}
