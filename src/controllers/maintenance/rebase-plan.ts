// Planning of spec.baseImage: which members are rebased onto the target version, which already run
// it, and what stops the plan. Pure: the caller passes the plan's target, the BaseImage's versions
// and the appliance's spec and live inventory (status.members[].baseImage, the provenance the
// appliance controller found).
import type { BaseUnchanged, Member, MemberStatus, PlanBaseImage, Rebase } from '../../api/v1alpha1/index.ts';
import { findVersion, imageKey, type VersionCatalog } from '../shared/provenance.ts';

/** How a problem stops the plan: it fails, it waits for a change that comes by itself, or for a person (Stalled). */
export type RebaseProblemSeverity = 'fail' | 'wait' | 'stall';

export interface RebaseProblem {
  /** CamelCase, usable as a condition reason. */
  readonly kind: string;
  readonly message: string;
  readonly severity: RebaseProblemSeverity;
}

export interface RebasePlanInput {
  readonly target: PlanBaseImage;
  /** The plan's namespace (the BaseImage's when spec.baseImage.ref.namespace is omitted). */
  readonly namespace: string;
  /** The BaseImage's versions, or why it cannot be read. */
  readonly catalog: VersionCatalog | { readonly reason: string; readonly problem: string };
  /** The BaseImage's pending version (still settling), if any. */
  readonly pending?: string;
  readonly members: readonly Member[];
  readonly inventory: readonly MemberStatus[];
  readonly allowDowngrade: boolean;
}

export interface RebasePlan {
  readonly rebases: readonly Rebase[];
  readonly unchanged: readonly BaseUnchanged[];
  readonly problems: readonly RebaseProblem[];
}

export function planRebase(input: RebasePlanInput): RebasePlan {
  const { target } = input;
  const image = imageKey(target.ref, input.namespace);
  const problems: RebaseProblem[] = [];
  const fail = (kind: string, message: string) => problems.push({ kind, message, severity: 'fail' });
  if ('problem' in input.catalog) {
    fail(input.catalog.reason, input.catalog.problem);
    return { rebases: [], unchanged: [], problems };
  }
  const catalog = input.catalog;
  const to = findVersion(catalog, target.version);
  if (to === undefined) {
    if (input.pending !== undefined && input.pending === target.version) {
      problems.push({
        kind: 'BaseImageVersionSettling',
        message: `spec.baseImage.version: ${target.version} is still settling in BaseImage ${image} (spec.settleSeconds)`,
        severity: 'wait',
      });
    } else {
      const known = catalog.versions
        .filter((v) => v.state !== 'Released')
        .slice(0, 8)
        .map((v) => (v.displayVersion === v.label ? v.label : `${v.label} (${v.displayVersion})`));
      fail(
        'UnknownBaseImageVersion',
        `spec.baseImage.version: ${target.version} is no version of BaseImage ${image} (its versions: ${known.length === 0 ? 'none yet' : known.join(', ')})`,
      );
    }
    return { rebases: [], unchanged: [], problems };
  }
  if (to.state === 'Released' || to.state === 'Missing' || to.state === 'Releasing') {
    fail(
      'BaseImageVersionReleased',
      `spec.baseImage.version: ${to.displayVersion} of BaseImage ${image} is ${to.state}: its storage is gone or going`,
    );
    return { rebases: [], unchanged: [], problems };
  }

  const declaring = input.members.filter(
    (m) => m.baseImage !== undefined && imageKey(m.baseImage.ref, input.namespace) === image,
  );
  const chosen: Member[] = [];
  if (target.members === undefined) {
    if (declaring.length === 0)
      fail('NoBaseImageMembers', `no member of the appliance declares spec.members[].baseImage ${image}`);
    chosen.push(...declaring);
  } else {
    for (const name of target.members) {
      const member = input.members.find((m) => m.name === name);
      if (member === undefined) {
        fail(
          'UnknownMember',
          `spec.baseImage.members: the appliance has no member ${name} (members: ${input.members.map((m) => m.name).join(', ')})`,
        );
      } else if (!declaring.includes(member)) {
        fail('NoBaseImage', `spec.baseImage.members: member ${name} declares no spec.members[].baseImage ${image}`);
      } else chosen.push(member);
    }
  }

  const rebases: Rebase[] = [];
  const unchanged: BaseUnchanged[] = [];
  for (const member of chosen) {
    const volume = member.baseImage?.volume ?? 'root';
    if (member.dataVolumes.includes(volume)) {
      fail(
        'RootIsDataVolume',
        `member ${member.name}: spec.members[].baseImage.volume ${volume} is one of its dataVolumes; a rebase replaces the root disk and carries data volumes over`,
      );
      continue;
    }
    if (member.baseImage?.update.replace !== undefined && to.source === undefined) {
      fail(
        'BaseImageVersionHasNoSource',
        `member ${member.name}: version ${to.displayVersion} of BaseImage ${image} names no PVC, VolumeSnapshot or image to make a root disk from; upgrade it with spec.members[].baseImage.update.job instead`,
      );
      continue;
    }
    const live = input.inventory.find((m) => m.name === member.name)?.baseImage;
    if (live === undefined || live.image !== image) {
      problems.push({
        kind: 'BaseImageVersionNotRead',
        message: `member ${member.name}: the version of its root disk has not been read yet (see the VirtualAppliance's status.members[].baseImage)`,
        severity: 'wait',
      });
      continue;
    }
    if (live.version === undefined) {
      problems.push({
        kind: 'BaseImageVersionUnknown',
        message: `member ${member.name}: the version of BaseImage ${image} its root disk runs is unknown: ${live.message ?? ''}`,
        severity: 'stall',
      });
      continue;
    }
    if (live.version === to.version) {
      unchanged.push({ member: member.name, image, version: to.version });
      continue;
    }
    const fromIndex = catalog.versions.findIndex((v) => v.version === live.version);
    const toIndex = catalog.versions.indexOf(to);
    const downgrade = fromIndex >= 0 && toIndex > fromIndex; // newest first: a larger index is older
    const from = fromIndex >= 0 ? catalog.versions[fromIndex] : undefined;
    if (downgrade && !input.allowDowngrade) {
      fail(
        'DowngradeNotAllowed',
        `member ${member.name}: spec.baseImage.version ${to.displayVersion} is older than the ${from?.displayVersion ?? live.version} it runs; set allowDowngrade to allow it`,
      );
      continue;
    }
    rebases.push({
      member: member.name,
      image,
      volume,
      from: live.version,
      to: to.version,
      ...(from === undefined ? {} : { fromDisplay: from.displayVersion }),
      toDisplay: to.displayVersion,
      ...(downgrade ? { downgrade: true } : {}),
    });
  }
  return { rebases, unchanged, problems };
}
