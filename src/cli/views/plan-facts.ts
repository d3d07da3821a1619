// What a person needs to know about a MaintenancePlan, read from its raw status: steps with timing
// and progress, sync rounds with rates, downtime against the budget, the window, the requests in
// flight, the conditions and the last Events. Pure; the terminal view (plan-view.ts) and the
// dashboard show the same facts. Fields an older operator does not write (the rounds' bytes read and
// written, the projection, the downtime's parts) are simply absent from the facts.
import { fraction, secondsBetween } from '../render.ts';
import { isTerminalPhase, planState, planWindow } from '../operator-rules.ts';
import { eventTime, type WireEvent, type WirePlan } from '../wire.ts';

export interface StepFacts {
  readonly name: string;
  readonly state: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** Seconds the step took, or has taken so far. */
  readonly seconds?: number;
  readonly message?: string;
  readonly progress?: string;
  /** The progress as a fraction, when it is one ("2/3 VMs"). */
  readonly fraction?: { readonly done: number; readonly total: number };
}

export interface RoundFacts {
  readonly round: number;
  readonly bytes?: number;
  readonly seconds?: number;
  /** Bytes per second. */
  readonly rate?: number;
  readonly bytesRead?: number;
  readonly bytesWritten?: number;
  readonly rangesSource?: string;
  /** The round that copied the final delta, during the cut-over. */
  readonly final: boolean;
}

export interface DowntimeFacts {
  readonly budgetSeconds?: number;
  /** Projected downtime: the operator's projection from measured rounds, else the preview's estimate. */
  readonly projectedSeconds?: number;
  readonly projectedFrom?: 'projection' | 'estimate';
  readonly measuredSeconds?: number;
  /** The measured downtime by part, in the order the operator lists them. */
  readonly breakdown: readonly { readonly part: string; readonly seconds: number }[];
  /** Downtime of a rollback, when one ran. */
  readonly rollbackSeconds?: number;
  /** Bytes the clone wrote after the cut-over, synced back by a rollback. */
  readonly rollbackBytes?: number;
}

export interface WindowFacts {
  /** "sat,sun 02:00-05:00 Europe/Rome", or undefined without a window (any time). */
  readonly spec?: string;
  readonly open?: boolean;
  readonly opensAt?: string;
  readonly closesAt?: string;
}

export interface ConditionFacts {
  readonly type: string;
  readonly status: string;
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime?: string;
}

export interface EventFacts {
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly at?: string;
  readonly count: number;
}

export interface PlanFacts {
  readonly name: string;
  readonly namespace: string;
  readonly appliance: string;
  readonly phase: string;
  readonly terminal: boolean;
  readonly createdAt?: string;
  /** Seconds from creation to the end (or to now). */
  readonly elapsedSeconds?: number;
  readonly progress?: { readonly done: number; readonly total: number };
  readonly approval: string;
  readonly approvedHash?: string;
  readonly preview?: {
    readonly hash?: string;
    readonly updates: readonly { member: string; component: string; from: string; to: string }[];
    readonly unchanged: readonly { member: string; component: string; level: string }[];
    readonly estimatedDowntimeSeconds?: number;
  };
  readonly steps: readonly StepFacts[];
  readonly rounds: readonly RoundFacts[];
  readonly downtime: DowntimeFacts;
  readonly window: WindowFacts;
  readonly suspended: boolean;
  readonly requests: { readonly abort: boolean; readonly rollbackNow: boolean };
  readonly cleanup?: {
    readonly action: string;
    readonly then: string;
    readonly reason: string;
    readonly message: string;
  };
  /** Ready's reason and message: what the plan is doing or why it stopped. */
  readonly summary?: { readonly status: string; readonly reason: string; readonly message: string };
  readonly conditions: readonly ConditionFacts[];
  readonly events: readonly EventFacts[];
}

/** Events shown with a plan (the last ones). */
export const EVENTS_SHOWN = 6;

export function planFacts(plan: WirePlan, events: readonly WireEvent[], now: Date): PlanFacts {
  const status = plan.status;
  const phase = status?.phase ?? 'Pending';
  const terminal = isTerminalPhase(phase);
  const steps = (status?.steps ?? []).map((s): StepFacts => {
    const f = fraction(s.progress);
    // A step that ended without a finish time (Skipped) has no duration to show.
    const seconds =
      s.startedAt === undefined || (s.finishedAt === undefined && s.state !== 'Running')
        ? undefined
        : secondsBetween(s.startedAt, s.finishedAt, now);
    return {
      name: s.name ?? '?',
      state: s.state ?? 'Pending',
      ...(s.startedAt === undefined ? {} : { startedAt: s.startedAt }),
      ...(s.finishedAt === undefined ? {} : { finishedAt: s.finishedAt }),
      ...(seconds === undefined ? {} : { seconds }),
      ...(s.message === undefined ? {} : { message: s.message }),
      ...(s.progress === undefined ? {} : { progress: s.progress }),
      ...(f === undefined ? {} : { fraction: f }),
    };
  });
  const lastFinish = steps
    .map((s) => s.finishedAt)
    .filter((t): t is string => t !== undefined)
    .sort()
    .at(-1);
  const createdAt = plan.metadata?.creationTimestamp;
  const elapsed = secondsBetween(createdAt, terminal ? lastFinish : undefined, now);
  const progress = fraction(status?.progress);
  const state = planState(plan);
  const ready = (status?.conditions ?? []).find((c) => c.type === 'Ready');
  const preview = status?.preview;
  return {
    name: plan.metadata?.name ?? '',
    namespace: plan.metadata?.namespace ?? '',
    appliance: plan.spec?.appliance ?? '',
    phase,
    terminal,
    ...(createdAt === undefined ? {} : { createdAt }),
    ...(elapsed === undefined ? {} : { elapsedSeconds: elapsed }),
    ...(progress === undefined ? {} : { progress }),
    approval: plan.spec?.approval ?? 'Automatic',
    ...(plan.spec?.approvedHash ? { approvedHash: plan.spec.approvedHash } : {}),
    ...(preview === undefined
      ? {}
      : {
          preview: {
            ...(preview.hash === undefined ? {} : { hash: preview.hash }),
            updates: (preview.updates ?? []).map((u) => ({
              member: u.member ?? '',
              component: u.component ?? '',
              from: u.from ?? '',
              to: u.to ?? '',
            })),
            unchanged: (preview.unchanged ?? []).map((u) => ({
              member: u.member ?? '',
              component: u.component ?? '',
              level: u.level ?? '',
            })),
            ...(preview.estimatedDowntimeSeconds === undefined
              ? {}
              : { estimatedDowntimeSeconds: preview.estimatedDowntimeSeconds }),
          },
        }),
    steps,
    rounds: roundFacts(plan),
    downtime: downtimeFacts(plan),
    window: windowFacts(plan, now),
    suspended: plan.spec?.suspend === true,
    requests: { abort: plan.spec?.abort === true, rollbackNow: plan.spec?.rollbackNow === true },
    ...(state.cleanup === undefined
      ? {}
      : {
          cleanup: {
            action: state.cleanup.action,
            then: state.cleanup.then,
            reason: state.cleanup.reason,
            message: state.cleanup.message,
          },
        }),
    ...(ready === undefined
      ? {}
      : { summary: { status: ready.status ?? '', reason: ready.reason ?? '', message: ready.message ?? '' } }),
    conditions: (status?.conditions ?? []).map((c) => ({
      type: c.type ?? '',
      status: c.status ?? '',
      reason: c.reason ?? '',
      message: c.message ?? '',
      ...(c.lastTransitionTime === undefined ? {} : { lastTransitionTime: c.lastTransitionTime }),
    })),
    events: lastEvents(events),
  };
}

function roundFacts(plan: WirePlan): RoundFacts[] {
  const finalRound = plan.status?.cutOver?.finalRound;
  return (plan.status?.syncRounds ?? []).map((r, i) => {
    const round = r.round ?? i + 1;
    const rate =
      r.bytes !== undefined && r.seconds !== undefined && r.seconds > 0
        ? (r.bytesWritten ?? r.bytes) / r.seconds
        : undefined;
    return {
      round,
      ...(r.bytes === undefined ? {} : { bytes: r.bytes }),
      ...(r.seconds === undefined ? {} : { seconds: r.seconds }),
      ...(rate === undefined ? {} : { rate }),
      ...(typeof r.bytesRead === 'number' ? { bytesRead: r.bytesRead } : {}),
      ...(typeof r.bytesWritten === 'number' ? { bytesWritten: r.bytesWritten } : {}),
      ...(typeof r.rangesSource === 'string' ? { rangesSource: r.rangesSource } : {}),
      final: finalRound === round,
    };
  });
}

/** The downtime's parts in the order they happen (the API server returns them sorted by name). */
const DOWNTIME_PARTS = ['stopOriginal', 'finalDelta', 'startClone', 'ready', 'switchServices'];
const partRank = (part: string) => {
  const i = DOWNTIME_PARTS.indexOf(part);
  return i < 0 ? DOWNTIME_PARTS.length : i;
};

function downtimeFacts(plan: WirePlan): DowntimeFacts {
  const s = plan.status;
  const projection = s?.projection?.seconds;
  const estimate = s?.preview?.estimatedDowntimeSeconds;
  const projected = projection ?? estimate;
  const rawBreakdown = s?.cutOver?.downtime;
  const breakdown =
    rawBreakdown !== undefined && typeof rawBreakdown === 'object'
      ? Object.entries(rawBreakdown)
          .filter((e): e is [string, number] => typeof e[1] === 'number')
          .map(([part, seconds]) => ({ part, seconds }))
          .sort((a, b) => partRank(a.part) - partRank(b.part))
      : [];
  const budget = plan.spec?.dataSync?.downtimeBudgetSeconds;
  return {
    ...(budget === undefined ? {} : { budgetSeconds: budget }),
    ...(projected === undefined ? {} : { projectedSeconds: projected }),
    ...(projection !== undefined ? { projectedFrom: 'projection' as const } : {}),
    ...(projection === undefined && estimate !== undefined ? { projectedFrom: 'estimate' as const } : {}),
    ...(s?.downtimeSeconds === undefined ? {} : { measuredSeconds: s.downtimeSeconds }),
    breakdown,
    ...(s?.rollback?.downtimeSeconds === undefined ? {} : { rollbackSeconds: s.rollback.downtimeSeconds }),
    ...(s?.rollback?.bytes === undefined ? {} : { rollbackBytes: s.rollback.bytes }),
  };
}

function windowFacts(plan: WirePlan, now: Date): WindowFacts {
  const w = plan.spec?.window;
  if (w === undefined) return { open: true };
  const days = w.days ?? [];
  const spec = `${days.length === 0 || days.length === 7 ? 'every day' : days.join(',')} ${w.startTime ?? '?'}-${w.endTime ?? '?'} ${w.timeZone ?? 'UTC'}`;
  const state = planWindow(plan, now);
  const next = plan.status?.nextWindowStart ?? state?.opensAt?.toISOString();
  return {
    spec,
    ...(state === undefined ? {} : { open: state.open }),
    ...(state?.open === false && next !== undefined ? { opensAt: next } : {}),
    ...(state?.closesAt === undefined ? {} : { closesAt: state.closesAt.toISOString() }),
  };
}

export function lastEvents(events: readonly WireEvent[]): EventFacts[] {
  return [...events]
    .sort((a, b) => eventTime(a) - eventTime(b))
    .slice(-EVENTS_SHOWN)
    .map((e) => {
      const t = eventTime(e);
      return {
        type: e.type ?? 'Normal',
        reason: e.reason ?? '',
        message: e.message ?? '',
        ...(t > 0 ? { at: new Date(t).toISOString() } : {}),
        count: e.series?.count ?? e.count ?? 1,
      };
    });
}
