// --set [member/]component=level (repeatable): spec.components, the target levels.
import { Option } from 'commander';
import { CliError } from '../errors.ts';
import type { PlanOption } from './option.ts';

/** "db/postgres=16.4.0" → {name: "db/postgres", level: "16.4.0"}. */
export function parseTarget(value: string): { name: string; level: string } {
  const eq = value.indexOf('=');
  const name = eq < 0 ? '' : value.slice(0, eq).trim();
  const level = eq < 0 ? '' : value.slice(eq + 1).trim();
  if (name === '' || level === '')
    throw new CliError(`--set ${value}: must be [member/]component=level, e.g. --set postgres=16.4.0`);
  return { name, level };
}

export const componentsOption: PlanOption = {
  fields: { components: '--set' },
  options: () => [
    new Option('--set <[member/]component=level>', 'a target level (repeat for each component)').argParser(
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    ),
  ],
  apply(flags, spec) {
    const targets = ((flags.set as string[] | undefined) ?? []).map(parseTarget);
    const seen = new Set<string>();
    for (const t of targets) {
      if (seen.has(t.name)) throw new CliError(`--set ${t.name}: given twice`);
      seen.add(t.name);
    }
    if (targets.length > 0) spec.components = targets;
  },
};
