// status.preview.hash: what a Manual approval (spec.approvedHash) binds to. Pure.
//
// What the hash covers, and why:
// - the appliance (namespace/name): the same change approved for staging must not approve it for
//   production when an approvedHash is templated or copied between plans;
// - every update {member, component, from, to}: the change itself, including `from`, so that an
//   approval given while postgres was at 16.2.0 does not cover an update from another level;
// - every unchanged {member, component, level}: what the approver was shown as left alone
//   (the schema documents the hash as covering updates and unchanged).
// - every rebase {member, image, volume, from, to} and every member already on the target version
//   {member, image, version}: a new root disk is as much the change as a component's level. A
//   preview without either serialises as before (format v1), so earlier approvals keep their hash.
// It does not cover estimatedDowntimeSeconds (an estimate, refined after approval), the plan's
// uid or name (a plan re-created by GitOps with the same preview keeps its approval) or the
// order of the lists (the operator may list them in any order).
import { createHash } from 'node:crypto';
import type { BaseUnchanged, ComponentUpdate, Preview, Rebase, UnchangedComponent } from '../../api/v1alpha1/index.ts';

/** Hex characters kept: 64 bits, enough to rule out an accidental match between two previews. */
export const PREVIEW_HASH_LENGTH = 16;

export interface PreviewHashInput {
  readonly appliance: { readonly namespace: string; readonly name: string };
  readonly updates: readonly Readonly<ComponentUpdate>[];
  readonly unchanged: readonly Readonly<UnchangedComponent>[];
  readonly rebases?: readonly Readonly<Rebase>[];
  readonly baseUnchanged?: readonly Readonly<BaseUnchanged>[];
}

/** The hash to show as status.preview.hash and to compare with spec.approvedHash. */
export function previewHash(input: PreviewHashInput): string {
  return createHash('sha256').update(canonicalPreview(input)).digest('hex').slice(0, PREVIEW_HASH_LENGTH);
}

/**
 * The canonical serialisation that is hashed: JSON arrays (never objects, whose key order could
 * vary) of sorted tuples, behind a format version so a future change cannot collide.
 */
export function canonicalPreview(input: PreviewHashInput): string {
  const updates = input.updates.map((u) => [u.member, u.component, u.from, u.to]).sort(compareTuples);
  const unchanged = input.unchanged.map((u) => [u.member, u.component, u.level]).sort(compareTuples);
  const appliance = [input.appliance.namespace, input.appliance.name];
  const rebases = (input.rebases ?? []).map((r) => [r.member, r.image, r.volume, r.from, r.to]).sort(compareTuples);
  const baseUnchanged = (input.baseUnchanged ?? []).map((u) => [u.member, u.image, u.version]).sort(compareTuples);
  if (rebases.length === 0 && baseUnchanged.length === 0)
    return JSON.stringify(['vapp.dev/preview/v1', appliance, updates, unchanged]);
  return JSON.stringify(['vapp.dev/preview/v2', appliance, updates, unchanged, rebases, baseUnchanged]);
}

/** Whether a preview changes nothing: no component update and no rebase (the plan then ends NoChanges). */
export function changesNothing(preview: Pick<Preview, 'updates' | 'rebases'> | undefined): boolean {
  return preview !== undefined && preview.updates.length === 0 && (preview.rebases ?? []).length === 0;
}

/** True when spec.approvedHash approves exactly this preview hash. */
export function isApproved(approvedHash: string | undefined, hash: string): boolean {
  return approvedHash !== undefined && approvedHash.trim() === hash;
}

function compareTuples(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
