// The plan diff (step 1 of the maintenance): which targeted components are behind, which are
// already at their target, and what stops the plan. Pure: the caller passes the plan's targets,
// the appliance's spec and its live inventory.
import type { ComponentUpdate, LevelSource, UnchangedComponent } from '../../api/v1alpha1/index.ts';
import { compareLevels } from './level-compare.ts';

/** A target as in spec.components: `component` or `member/component`, and a semver level. */
export interface PlanTarget {
  readonly name: string;
  readonly level: string;
}

/** The parts of the appliance's spec.members that the diff reads. */
export interface ApplianceMemberSpec {
  readonly name: string;
  readonly components: readonly { readonly name: string; readonly level: LevelSource }[];
}

/** The parts of the appliance's status.members (the live inventory) that the diff reads. */
export interface ApplianceMemberStatus {
  readonly name: string;
  readonly components: readonly { readonly name: string; readonly level?: string }[];
}

export interface PlanInput {
  readonly targets: readonly PlanTarget[];
  readonly members: readonly ApplianceMemberSpec[];
  readonly inventory: readonly ApplianceMemberStatus[];
  readonly allowDowngrade: boolean;
}

/** CamelCase, usable as a condition reason as is. */
export type PlanProblemKind =
  | 'UnknownMember'
  | 'UnknownComponent'
  | 'AmbiguousComponent'
  | 'DuplicateTarget'
  | 'LevelNotRead'
  | 'LevelNotComparable'
  | 'DowngradeNotAllowed';

export interface PlanProblem {
  readonly kind: PlanProblemKind;
  /** The target as written in spec.components[].name. */
  readonly target: string;
  /** Starts with the target's name, says what is wrong and, where there is one, the way out. */
  readonly message: string;
  /**
   * True when the problem may go away without anyone changing anything: the inventory has not
   * read the level yet. The others need a change of the plan, the appliance or the live VM.
   */
  readonly transient: boolean;
}

export interface PlanDiff {
  /** Components behind their target (or ahead, with allowDowngrade), in target order. */
  readonly updates: readonly Readonly<ComponentUpdate>[];
  /** Components already at their target (equal by semver precedence), in target order. */
  readonly unchanged: readonly Readonly<UnchangedComponent>[];
  readonly problems: readonly PlanProblem[];
}

/**
 * Compares every target with the live level of the component it names (see levels.ts for how
 * levels compare). With problems the plan must not proceed; with no updates and no problems
 * it completes with reason NoChanges.
 */
export function diffPlan(input: PlanInput): PlanDiff {
  const updates: ComponentUpdate[] = [];
  const unchanged: UnchangedComponent[] = [];
  const problems: PlanProblem[] = [];
  const resolvedBy = new Map<string, string>();
  const problem = (kind: PlanProblemKind, target: string, message: string): void => {
    problems.push({ kind, target, message: `${target}: ${message}`, transient: kind === 'LevelNotRead' });
  };

  for (const target of input.targets) {
    const ref = resolve(target.name, input.members);
    if ('kind' in ref) {
      problem(ref.kind, target.name, ref.message);
      continue;
    }
    const key = `${ref.member.name}/${ref.component.name}`;
    const earlier = resolvedBy.get(key);
    if (earlier !== undefined) {
      problem('DuplicateTarget', target.name, `names the same component as the target ${earlier}; keep one of them`);
      continue;
    }
    resolvedBy.set(key, target.name);

    const live = input.inventory
      .find((m) => m.name === ref.member.name)
      ?.components.find((c) => c.name === ref.component.name)?.level;
    if (live === undefined || live === '') {
      problem(
        'LevelNotRead',
        target.name,
        `the current level of ${key} has not been read yet (see the VirtualAppliance's status.members)`,
      );
      continue;
    }
    const cmp = compareLevels(live, target.level, ref.component.level);
    if ('problem' in cmp) {
      problem(
        'LevelNotComparable',
        target.name,
        `the current level of ${key} cannot be compared with the target ${target.level}: ${cmp.problem}`,
      );
      continue;
    }
    if (cmp.order === 0) {
      unchanged.push({ member: ref.member.name, component: ref.component.name, level: live });
    } else if (cmp.order > 0 && !input.allowDowngrade) {
      problem(
        'DowngradeNotAllowed',
        target.name,
        `target ${target.level} is below the current ${live}; set allowDowngrade to allow it`,
      );
    } else {
      updates.push({ member: ref.member.name, component: ref.component.name, from: live, to: target.level });
    }
  }
  return { updates, unchanged, problems };
}

type Resolved = { readonly member: ApplianceMemberSpec; readonly component: ApplianceMemberSpec['components'][number] };

function resolve(
  name: string,
  members: readonly ApplianceMemberSpec[],
): Resolved | { readonly kind: PlanProblemKind; readonly message: string } {
  const slash = name.indexOf('/');
  if (slash >= 0) {
    const memberName = name.slice(0, slash);
    const componentName = name.slice(slash + 1);
    const member = members.find((m) => m.name === memberName);
    if (member === undefined) {
      return {
        kind: 'UnknownMember',
        message: `the appliance has no member ${memberName} (members: ${list(members.map((m) => m.name))})`,
      };
    }
    const component = member.components.find((c) => c.name === componentName);
    if (component === undefined) {
      return {
        kind: 'UnknownComponent',
        message: `member ${memberName} runs no component ${componentName} (it runs: ${list(member.components.map((c) => c.name))})`,
      };
    }
    return { member, component };
  }
  const found = members.flatMap((member) =>
    member.components.filter((c) => c.name === name).map((component) => ({ member, component })),
  );
  const [first, second] = found;
  if (first === undefined)
    return { kind: 'UnknownComponent', message: `no member of the appliance runs a component ${name}` };
  if (second !== undefined) {
    const refs = found.map((f) => `${f.member.name}/${name}`);
    return {
      kind: 'AmbiguousComponent',
      message: `several members run a component ${name}; name one as ${refs.join(' or ')}`,
    };
  }
  return first;
}

function list(names: readonly string[]): string {
  return names.length === 0 ? 'none' : names.join(', ');
}
