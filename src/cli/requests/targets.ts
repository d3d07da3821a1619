// Which object a request names: `NAME` (a MaintenancePlan) or `KIND/NAME`. The kinds requests apply
// to are listed here; a fleet rollout's module goes beside plan.ts and into TARGETS.
import { CliError } from '../errors.ts';
import type { RequestTarget, Versioned } from './decision.ts';
import { planTarget } from './plan.ts';

const TARGETS: readonly RequestTarget<Versioned>[] = [planTarget];

export interface NamedTarget {
  readonly target: RequestTarget<Versioned>;
  readonly name: string;
}

/** The target of `NAME` or `KIND/NAME`; a clear error for a kind that takes no requests. */
export function parseTarget(arg: string): NamedTarget {
  const slash = arg.indexOf('/');
  const kind = slash < 0 ? undefined : arg.slice(0, slash).toLowerCase();
  const name = slash < 0 ? arg : arg.slice(slash + 1);
  if (name === '') throw new CliError(`"${arg}" names no object: use NAME or KIND/NAME`);
  const target = kind === undefined ? planTarget : TARGETS.find((t) => t.names.includes(kind));
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
