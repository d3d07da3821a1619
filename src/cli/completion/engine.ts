// Shell completion from the command tree itself (commander has none built in): given the words
// typed after the program name, the last one partial, what may come next: subcommands, flags,
// a flag's choices, or object names that `names` looks up (plans, appliances, rollouts, namespaces...).
// It answers in cobra's `__complete` protocol, which kubectl (1.26+) speaks to a plugin's
// `kubectl_complete-<plugin>` executable, and which the bash and zsh scripts (scripts.ts) read too.
import type { Command, Option } from 'commander';

/** What a positional argument or flag value holds, for a name lookup. */
export type NameKind = 'plan' | 'appliance' | 'rollout' | 'namespace' | 'context' | 'target';

export interface Candidate {
  readonly value: string;
  readonly description?: string;
}

/** cobra's ShellCompDirective values that we use. */
export const DIRECTIVE = { default: 0, noSpace: 2, noFileComp: 4 } as const;

export interface Completion {
  readonly candidates: readonly Candidate[];
  readonly directive: number;
}

/** Looks names up; `flags` are the connection flags typed so far (--kubeconfig, --context, -n). */
export type NameLookup = (kind: NameKind, flags: Readonly<Record<string, string>>) => Promise<readonly string[]>;

/** The positional argument kinds of each command path. */
export const POSITIONAL: Readonly<Record<string, NameKind>> = {
  'get plan': 'plan',
  'get appliance': 'appliance',
  'get rollout': 'rollout',
  plan: 'appliance',
  approve: 'plan',
  abort: 'target',
  suspend: 'target',
  resume: 'target',
  rollback: 'target',
  acknowledge: 'rollout',
};

const FLAG_VALUES: Readonly<Record<string, NameKind>> = {
  '--namespace': 'namespace',
  '-n': 'namespace',
  '--context': 'context',
};

function allOptions(path: readonly Command[]): Option[] {
  return path.flatMap((c) => c.options as Option[]);
}

function findOption(path: readonly Command[], word: string): Option | undefined {
  const flag = word.split('=')[0] ?? word;
  return allOptions(path).find((o) => o.long === flag || o.short === flag);
}

function takesValue(o: Option): boolean {
  return o.required || o.optional;
}

/** Completes the last of `words` (the words after the program name; the last may be ''). */
export async function complete(program: Command, words: readonly string[], names: NameLookup): Promise<Completion> {
  const path: Command[] = [program];
  const flags: Record<string, string> = {};
  let positionals = 0;
  const typed = words.slice(0, -1);
  const current = words.at(-1) ?? '';
  for (let i = 0; i < typed.length; i++) {
    const word = typed[i] ?? '';
    const cmd = path.at(-1) ?? program;
    if (word.startsWith('-') && word !== '-') {
      const o = findOption(path, word);
      if (o !== undefined && takesValue(o) && !word.includes('=') && !o.optional) {
        const value = typed[i + 1] ?? '';
        flags[o.long ?? o.short ?? word] = value;
        i++;
      } else if (o !== undefined && word.includes('=')) {
        flags[o.long ?? o.short ?? word] = word.slice(word.indexOf('=') + 1);
      }
      continue;
    }
    const sub = cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (sub !== undefined && positionals === 0) path.push(sub);
    else positionals++;
  }
  const cmd = path.at(-1) ?? program;
  const previous = typed.at(-1);
  const prevOption = previous !== undefined && previous.startsWith('-') ? findOption(path, previous) : undefined;
  if (prevOption !== undefined && takesValue(prevOption) && !previous?.includes('=') && !prevOption.optional) {
    const kind = FLAG_VALUES[prevOption.long ?? ''] ?? FLAG_VALUES[prevOption.short ?? ''];
    if (kind !== undefined) return byName(await safeNames(names, kind, flags), current);
    if (prevOption.argChoices !== undefined) return byName(prevOption.argChoices, current);
    return { candidates: [], directive: prevOption.long === '--kubeconfig' ? DIRECTIVE.default : DIRECTIVE.noFileComp };
  }
  if (current.startsWith('-')) {
    const visible = path.flatMap((c) => c.createHelp().visibleOptions(c));
    const candidates = visible
      .flatMap((o) =>
        [o.long, o.short]
          .filter((f): f is string => f !== undefined)
          .map((f) => ({ value: f, description: o.description })),
      )
      .filter((c) => c.value.startsWith(current));
    return { candidates, directive: DIRECTIVE.noFileComp };
  }
  if (cmd.commands.length > 0) {
    const candidates = cmd
      .createHelp()
      .visibleCommands(cmd)
      .filter((c) => c.name() !== 'help')
      .map((c) => ({ value: c.name(), description: c.summary() || c.description() }))
      .filter((c) => c.value.startsWith(current));
    return { candidates, directive: DIRECTIVE.noFileComp };
  }
  const key = path
    .slice(1)
    .map((c) => c.name())
    .join(' ');
  const kind = POSITIONAL[key];
  if (kind !== undefined && positionals === 0) return byName(await safeNames(names, kind, flags), current);
  return { candidates: [], directive: DIRECTIVE.noFileComp };
}

async function safeNames(
  names: NameLookup,
  kind: NameKind,
  flags: Readonly<Record<string, string>>,
): Promise<readonly string[]> {
  try {
    return await names(kind, flags);
  } catch {
    return [];
  }
}

function byName(values: readonly string[], current: string): Completion {
  return {
    candidates: values.filter((v) => v.startsWith(current)).map((value) => ({ value })),
    directive: DIRECTIVE.noFileComp,
  };
}

/** The answer in cobra's __complete format: `value<TAB>description` lines, then `:<directive>`. */
export function cobraOutput(c: Completion): string {
  const lines = c.candidates.map((x) =>
    x.description ? `${x.value}\t${x.description.replace(/\s+/g, ' ')}` : x.value,
  );
  return `${[...lines, `:${String(c.directive)}`].join('\n')}\n`;
}
