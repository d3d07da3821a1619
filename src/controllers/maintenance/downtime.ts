// The cut-over's downtime broken down from the timestamps the cut-over recorded (status.cutOver) and
// when the clone's VM instances reached Running (KubeVirt's phaseTransitionTimestamps). Pure but for
// the cache read in clonesRunningAt.
import type { DowntimeBreakdown } from '../../api/v1alpha1/index.ts';
import type { ClusterIO } from './cluster-io.ts';
import type { StepFacts } from './facts.ts';
import { VMIS } from './resources.ts';

export interface CutOverTimes {
  readonly originalStoppedAt: string;
  readonly originalsDownAt: string;
  readonly finalDeltaAt: string;
  /** The latest Running transition of the clone's VM instances, when KubeVirt reported them. */
  readonly cloneRunningAt?: string | undefined;
  readonly cloneReadyAt: string;
  readonly servicesSwitchedAt: string;
}

const seconds = (from: string, to: string): number => Math.round(Math.max(0, Date.parse(to) - Date.parse(from))) / 1000;

/** The five parts; they add up to servicesSwitchedAt - originalStoppedAt. */
export function downtimeBreakdown(t: CutOverTimes): DowntimeBreakdown {
  // A Running transition outside [finalDeltaAt, cloneReadyAt] (clock skew, a VMI from before) is
  // not used: the start then counts in full as ready.
  const running =
    t.cloneRunningAt !== undefined &&
    Date.parse(t.cloneRunningAt) >= Date.parse(t.finalDeltaAt) &&
    Date.parse(t.cloneRunningAt) <= Date.parse(t.cloneReadyAt)
      ? t.cloneRunningAt
      : t.finalDeltaAt;
  return {
    stopOriginal: seconds(t.originalStoppedAt, t.originalsDownAt),
    finalDelta: seconds(t.originalsDownAt, t.finalDeltaAt),
    startClone: seconds(t.finalDeltaAt, running),
    ready: seconds(running, t.cloneReadyAt),
    switchServices: seconds(t.cloneReadyAt, t.servicesSwitchedAt),
  };
}

/** When the last of the clone's VM instances entered Running, if every one reports it. */
export function clonesRunningAt(facts: Pick<StepFacts, 'members' | 'toSlot'>, io: ClusterIO): string | undefined {
  let latest: string | undefined;
  for (const member of facts.members) {
    const vm = io.vmOf(member.name, facts.toSlot);
    const vmi = vm?.metadata?.name ? io.get(VMIS, vm.metadata.name) : undefined;
    const at = vmi?.status?.phaseTransitionTimestamps?.find((p) => p.phase === 'Running')?.phaseTransitionTimestamp;
    if (at === undefined) return undefined;
    if (latest === undefined || Date.parse(at) > Date.parse(latest)) latest = at;
  }
  return latest;
}
