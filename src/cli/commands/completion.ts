// `kubectl vapp completion bash|zsh` prints a completion script; the hidden `__complete WORDS...`
// answers the scripts and kubectl itself (through `kubectl_complete-vapp`) with what may come next,
// looking plan, rollout, appliance and namespace names up in the cluster (briefly: a slow cluster
// must not hang the shell).
import { Argument, Command } from 'commander';
import { Cluster, RESOURCES } from '../cluster.ts';
import { cobraOutput, complete, type NameKind } from '../completion/engine.ts';
import { completionScript, SHELLS, type Shell } from '../completion/scripts.ts';
import { cliExamples } from '../help.ts';
import { resolveConnection } from '../kubeconfig.ts';
import { resourcePath } from '../../runtime/resources.ts';
import { targetKinds } from '../requests/targets.ts';

const LOOKUP_TIMEOUT_MS = 3_000;

export function completionCommand(): Command {
  return new Command('completion')
    .summary('print a shell completion script (bash or zsh)')
    .description(
      'Print a completion script for kubectl-vapp. kubectl 1.26 and later completes `kubectl vapp ...` by itself through the kubectl_complete-vapp executable installed with the plugin; the scripts are for calling kubectl-vapp directly.',
    )
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .addHelpText(
      'after',
      cliExamples([
        ['source <(kubectl-vapp completion bash)', 'bash, for this shell (add it to ~/.bashrc to keep it)'],
        ['source <(kubectl-vapp completion zsh)', 'zsh (after compinit)'],
      ]),
    )
    .action(async (shell: Shell) => {
      process.stdout.write(await completionScript(shell));
    });
}

/** The hidden `__complete` command; `program` is the whole command tree. */
export function completeCommand(program: Command): Command {
  return new Command('__complete')
    .description('shell completion protocol (cobra)')
    .argument('[words...]')
    .allowUnknownOption()
    .helpOption(false)
    .action(async (words: string[]) => {
      const result = await complete(program, words.length === 0 ? [''] : words, lookupNames);
      process.stdout.write(cobraOutput(result));
    });
}

async function lookupNames(kind: NameKind, flags: Readonly<Record<string, string>>): Promise<readonly string[]> {
  const connection = resolveConnection({
    kubeconfig: flags['--kubeconfig'],
    context: flags['--context'],
    namespace: flags['--namespace'],
  });
  if (kind === 'context') return connection.kubeConfig.getContexts().map((c) => c.name);
  const cluster = new Cluster(connection);
  const names = async (path: string) => {
    const signal = AbortSignal.timeout(LOOKUP_TIMEOUT_MS);
    const list = await cluster.client.request<{ items?: { metadata?: { name?: string } }[] }>(path, { signal });
    return (list.items ?? []).map((i) => i.metadata?.name ?? '').filter((n) => n !== '');
  };
  switch (kind) {
    case 'namespace':
      return names('/api/v1/namespaces');
    case 'appliance':
      return names(resourcePath(RESOURCES.appliances, cluster.namespace));
    case 'plan':
      return names(resourcePath(RESOURCES.plans, cluster.namespace));
    case 'rollout':
      return names(resourcePath(RESOURCES.rollouts, cluster.namespace));
    case 'target': {
      const [plans, rollouts] = await Promise.all([
        names(resourcePath(RESOURCES.plans, cluster.namespace)),
        names(resourcePath(RESOURCES.rollouts, cluster.namespace)).catch(() => []),
      ]);
      return [...plans, ...rollouts.map((r) => `rollout/${r}`), ...targetKinds().map((k) => `${k}/`)];
    }
  }
}
