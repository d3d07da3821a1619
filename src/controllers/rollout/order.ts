// The order appliances are taken in, inside a wave: first by the label vapp.dev/rollout-priority
// (ascending integers; absent or not an integer: after every prioritised one), then by
// sha256(appliance UID, rollout UID, revision) — the system-upgrade-controller's trick: stable
// across restarts (no state needed to resume in the same order) and different for every revision,
// so the same appliance is not always the first to take the risk. Pure.
import { createHash } from 'node:crypto';
import { LABEL_ROLLOUT_PRIORITY } from '../../api/v1alpha1/index.ts';

export interface Orderable {
  readonly name: string;
  readonly uid: string;
  readonly labels?: Readonly<Record<string, string>>;
}

function priorityOf(a: Orderable): number {
  const raw = a.labels?.[LABEL_ROLLOUT_PRIORITY];
  if (raw === undefined || !/^-?[0-9]{1,9}$/.test(raw)) return Number.POSITIVE_INFINITY;
  return Number(raw);
}

export function rolloutOrderKey(a: Orderable, rolloutUid: string, revision: number): string {
  return createHash('sha256')
    .update(`${a.uid}/${rolloutUid}/${String(revision)}`)
    .digest('hex');
}

/** The appliances in rollout order (a new array). */
export function inRolloutOrder<T extends Orderable>(
  appliances: readonly T[],
  rolloutUid: string,
  revision: number,
): T[] {
  const keyed = appliances.map((a) => ({ a, p: priorityOf(a), k: rolloutOrderKey(a, rolloutUid, revision) }));
  keyed.sort((x, y) =>
    x.p !== y.p ? (x.p < y.p ? -1 : 1) : x.k < y.k ? -1 : x.k > y.k ? 1 : x.a.name < y.a.name ? -1 : 1,
  );
  return keyed.map((x) => x.a);
}
