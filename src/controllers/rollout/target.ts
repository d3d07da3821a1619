// What the rollout's revision is, and where an appliance stands against it. Pure.
// - The concrete target: the spec's component levels plus, for a BaseImage, a concrete version (the
//   pinned one, or the BaseImage's status.latest when following it). Its hash is the revision's
//   identity: a change of it (a new latest included) starts a new revision.
// - An appliance is up to date when none of the targets it runs is behind (the plan diff's rules)
//   and every member made from the BaseImage runs the target version. Targets naming components the
//   appliance does not run are left out of its plan: a fleet mixes appliances.
import { createHash } from 'node:crypto';
import type {
  BaseImage,
  MaintenanceRollout,
  ResolvedTarget,
  Target,
  VirtualAppliance,
} from '../../api/v1alpha1/index.ts';
import { diffPlan } from '../maintenance/diff.ts';

export type TargetResolution =
  | { readonly ok: true; readonly target: ResolvedTarget; readonly hash: string }
  | { readonly ok: false; readonly reason: 'BaseImageNotFound' | 'NoLatestVersion'; readonly message: string };

/** `<namespace>/<name>` of the rollout's BaseImage (its own namespace when the ref names none). */
export function baseImageKey(rollout: MaintenanceRollout): string | undefined {
  const ref = rollout.spec.target.baseImage?.ref;
  if (ref === undefined) return undefined;
  return `${ref.namespace ?? rollout.metadata.namespace ?? ''}/${ref.name}`;
}

export function resolveTarget(rollout: MaintenanceRollout, baseImage: BaseImage | undefined): TargetResolution {
  const components = rollout.spec.target.components;
  const ref = rollout.spec.target.baseImage;
  const image = baseImageKey(rollout);
  let resolved: ResolvedTarget = { components: [...components] };
  if (ref !== undefined && image !== undefined) {
    if (ref.version !== undefined) {
      const known = baseImage?.status?.versions.find((v) => v.version === ref.version || v.label === ref.version);
      resolved = {
        ...resolved,
        baseImage: {
          image,
          version: known?.version ?? ref.version,
          ...(known ? { displayVersion: known.displayVersion } : {}),
        },
      };
    } else {
      if (baseImage === undefined)
        return { ok: false, reason: 'BaseImageNotFound', message: `BaseImage ${image} not found` };
      const latest = baseImage.status?.latest;
      if (latest === undefined)
        return { ok: false, reason: 'NoLatestVersion', message: `BaseImage ${image} has no latest version yet` };
      resolved = {
        ...resolved,
        baseImage: { image, version: latest.version, displayVersion: latest.displayVersion },
      };
    }
  }
  return { ok: true, target: resolved, hash: targetHash(resolved) };
}

export function targetHash(target: ResolvedTarget): string {
  const canonical = JSON.stringify({
    c: [...target.components].sort((a, b) => (a.name < b.name ? -1 : 1)).map((t) => [t.name, t.level]),
    b: target.baseImage ? [target.baseImage.image, target.baseImage.version] : null,
  });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

export interface ApplianceStanding {
  /** Nothing to do for this target. */
  readonly upToDate: boolean;
  /** The component targets the appliance runs (its plan's spec.components). */
  readonly components: readonly Target[];
  /** Whether a member of the appliance is made from the target's BaseImage. */
  readonly onBaseImage: boolean;
}

export function standingOf(
  appliance: VirtualAppliance,
  target: ResolvedTarget,
  allowDowngrade: boolean,
): ApplianceStanding {
  const members = appliance.spec.members.map((m) => ({ name: m.name, components: m.components }));
  const inventory = appliance.status?.members ?? [];
  // Targets the appliance runs: those the diff does not call unknown.
  const components = target.components.filter((t) => {
    const d = diffPlan({ targets: [t], members, inventory, allowDowngrade: true });
    return !d.problems.some((p) => p.kind === 'UnknownComponent' || p.kind === 'UnknownMember');
  });
  const diff = diffPlan({ targets: components, members, inventory, allowDowngrade });
  const componentsDone = diff.updates.length === 0 && diff.problems.length === 0;

  const image = target.baseImage;
  const namespace = appliance.metadata.namespace ?? '';
  const onImage =
    image === undefined
      ? []
      : appliance.spec.members.filter(
          (m) =>
            m.baseImage !== undefined &&
            `${m.baseImage.ref.namespace ?? namespace}/${m.baseImage.ref.name}` === image.image,
        );
  const baseDone =
    image === undefined ||
    onImage.every((m) => {
      const live = inventory.find((s) => s.name === m.name)?.baseImage;
      return live?.version === image.version || live?.label === image.version;
    });
  return { upToDate: componentsDone && baseDone, components, onBaseImage: onImage.length > 0 };
}
