// Which object a request names: `NAME` (a MaintenancePlan, unless the command says otherwise) or
// `KIND/NAME`. The kinds requests apply to are listed here, each decided in its own module.
import { CliError } from '../errors.ts';
import type { RequestTarget, Versioned } from './decision.ts';
import { planTarget } from './plan.ts';
import { rolloutTarget } from './rollout.ts';

const TARGETS: readonly RequestTarget<Versioned>[] = [planTarget, rolloutTarget];

export interface NamedTarget {
  readonly target: RequestTarget<Versioned>;
  readonly name: string;
}

/** The target of `NAME` or `KIND/NAME`; a clear error for a kind that takes no requests. */
export function parseTarget(arg: string, byDefault: RequestTarget<Versioned> = planTarget): NamedTarget {
  const slash = arg.indexOf('/');
  const kind = slash < 0 ? undefined : arg.slice(0, slash).toLowerCase();
  const name = slash < 0 ? arg : arg.slice(slash + 1);
  if (name === '') throw new CliError(`"${arg}" names no object: use NAME or KIND/NAME`);
  const target = kind === undefined ? byDefault : TARGETS.find((t) => t.names.includes(kind));
  if (target === undefined)
    throw new CliError(
      `${kind ?? ''}: not a kind that takes requests (use ${TARGETS.map((t) => t.names[0]).join(', ')})`,
    );
  return { target, name };
}

/** The words that name each kind, for completion. */
export function targetKinds(): string[] {
  return TARGETS.map((t) => t.names[0] ?? '');
}
