// What a person needs to know about a MaintenanceRollout, read from its raw status: the target of
// the current revision, the counts, each wave, the plans in flight, what needs attention, the
// budgets and how much of each is used, the failure budget, the next window, the requests in
// flight, the conditions and the last Events. Pure; the terminal view (rollout-view.ts) and the
// dashboard show the same facts.
import { secondsBetween } from '../render.ts';
import { waveAwaitingApproval } from '../requests/rollout.ts';
import type { WireEvent, WireRollout } from '../wire.ts';
import { type ConditionFacts, type EventFacts, lastEvents } from './plan-facts.ts';

/** The phases after which a rollout does no more work by itself (unless a new revision comes). */
export const ROLLOUT_ENDS = ['Completed', 'Aborted'] as const;

export interface WaveFacts {
  readonly name: string;
  readonly state: string;
  readonly appliances: number;
  readonly upToDate: number;
  readonly soakUntil?: string;
  readonly completedAt?: string;
  /** The operator holds the wave for a person (state AwaitingApproval) and spec.approvedWaves does not name it yet. */
  readonly awaitingApproval: boolean;
  /** A Manual wave that spec.approvedWaves does not name yet: it will wait for a person when its turn comes. */
  readonly gated: boolean;
}

export interface InFlightFacts {
  readonly appliance: string;
  readonly plan: string;
  readonly phase?: string;
  readonly wave: string;
  readonly cutOverSlot: boolean;
}

export interface AttentionFacts {
  readonly appliance: string;
  readonly plan?: string;
  readonly reason: string;
  readonly message: string;
  readonly since?: string;
}

/** One budget: what is used of what is allowed. */
export interface BudgetFacts {
  readonly used: number;
  readonly allowed: number;
  /** The spec's value as written, e.g. "20%" (only when it is not the count itself). */
  readonly spec?: string;
}

export interface RolloutCountFacts {
  readonly selected: number;
  readonly upToDate: number;
  readonly pending: number;
  readonly inFlight: number;
  readonly waitingForSlot: number;
  readonly waitingForWindow: number;
  readonly cuttingOver: number;
  readonly failed: number;
  readonly rolledBack: number;
  readonly held: number;
  readonly unavailable: number;
}

export interface RolloutFacts {
  readonly name: string;
  readonly namespace: string;
  readonly phase: string;
  /** Completed or Aborted: --watch ends there. */
  readonly ended: boolean;
  readonly revision: number;
  readonly progress?: string;
  /** "postgres 16.4.0, app/shop 2.4.0, base image ops/debian 13.2": the concrete target of the revision. */
  readonly target: string;
  /** The target follows a BaseImage's latest: each new latest is a new revision, so Completed is not the end for ever. */
  readonly followsLatest: boolean;
  readonly createdAt?: string;
  readonly elapsedSeconds?: number;
  readonly counts: RolloutCountFacts;
  readonly waves: readonly WaveFacts[];
  readonly currentWave?: string;
  /** The wave that waits for a person now (an approval adds it to spec.approvedWaves). */
  readonly approvalWave?: string;
  readonly inFlight: readonly InFlightFacts[];
  readonly needsAttention: readonly AttentionFacts[];
  readonly budgets: {
    readonly inFlight: BudgetFacts;
    readonly cuttingOver: BudgetFacts;
    readonly unavailable: BudgetFacts;
  };
  readonly failures: {
    readonly count: number;
    readonly acknowledged: number;
    readonly consecutive: number;
    readonly allowed: number;
    readonly maxConsecutive?: number;
    readonly exceeded: boolean;
    /** What the failure policy does once the budget is spent: Pause or Continue. */
    readonly action: string;
  };
  readonly nextWindowStart?: string;
  readonly suspended: boolean;
  readonly abortRequested: boolean;
  /** Ready's reason and message: what the rollout is doing or why it stopped. */
  readonly summary?: { readonly status: string; readonly reason: string; readonly message: string };
  readonly conditions: readonly ConditionFacts[];
  readonly events: readonly EventFacts[];
}

const num = (n: number | undefined) => (typeof n === 'number' && Number.isFinite(n) ? n : 0);

/**
 * A count or a percentage of `of` as the API defines it (maintenancerollout.ts countOrPercent):
 * percentages round up, and are at least 1 unless 0%.
 */
export function resolveCountOrPercent(value: number | string | undefined, of: number, fallback: number): number {
  if (typeof value === 'number') return value;
  const m = /^(\d{1,3})%$/.exec(value ?? '');
  if (m === null) return fallback;
  const percent = Number(m[1]);
  if (percent === 0) return 0;
  return Math.max(1, Math.ceil((of * percent) / 100));
}

export function rolloutFacts(rollout: WireRollout, events: readonly WireEvent[], now: Date): RolloutFacts {
  const spec = rollout.spec;
  const status = rollout.status;
  const phase = status?.phase ?? 'Pending';
  const c = status?.counts;
  const counts: RolloutCountFacts = {
    selected: num(c?.selected),
    upToDate: num(c?.upToDate),
    pending: num(c?.pending),
    inFlight: num(c?.inFlight),
    waitingForSlot: num(c?.waitingForSlot),
    waitingForWindow: num(c?.waitingForWindow),
    cuttingOver: num(c?.cuttingOver),
    failed: num(c?.failed),
    rolledBack: num(c?.rolledBack),
    held: num(c?.held),
    unavailable: num(c?.unavailable),
  };
  const approved = new Set(spec?.approvedWaves ?? []);
  const manual = new Set((spec?.waves ?? []).filter((w) => w.approval === 'Manual').map((w) => w.name ?? ''));
  const waves = (status?.waves ?? []).map((w): WaveFacts => ({
    name: w.name ?? '',
    state: w.state ?? 'Pending',
    appliances: num(w.appliances),
    upToDate: num(w.upToDate),
    ...(w.soakUntil === undefined ? {} : { soakUntil: w.soakUntil }),
    ...(w.completedAt === undefined ? {} : { completedAt: w.completedAt }),
    awaitingApproval: w.state === 'AwaitingApproval' && !approved.has(w.name ?? ''),
    gated: manual.has(w.name ?? '') && !approved.has(w.name ?? '') && w.state === 'Pending',
  }));
  const f = status?.failures;
  const maxUnavailable = spec?.maxUnavailable;
  const lastEnd = waves
    .map((w) => w.completedAt)
    .filter((t): t is string => t !== undefined)
    .sort()
    .at(-1);
  const ended = (ROLLOUT_ENDS as readonly string[]).includes(phase);
  const createdAt = rollout.metadata?.creationTimestamp;
  const elapsed = secondsBetween(createdAt, ended && phase === 'Completed' ? lastEnd : undefined, now);
  const ready = (status?.conditions ?? []).find((x) => x.type === 'Ready');
  const approvalWave = waveAwaitingApproval(rollout);
  return {
    name: rollout.metadata?.name ?? '',
    namespace: rollout.metadata?.namespace ?? '',
    phase,
    ended,
    revision: num(status?.revision),
    ...(status?.progress === undefined ? {} : { progress: status.progress }),
    target: targetText(rollout),
    followsLatest: spec?.target?.baseImage !== undefined && spec.target.baseImage.version === undefined,
    ...(createdAt === undefined ? {} : { createdAt }),
    ...(elapsed === undefined ? {} : { elapsedSeconds: elapsed }),
    counts,
    waves,
    ...(status?.currentWave === undefined ? {} : { currentWave: status.currentWave }),
    ...(approvalWave === undefined ? {} : { approvalWave }),
    inFlight: (status?.inFlight ?? []).map((x) => ({
      appliance: x.appliance ?? '',
      plan: x.plan ?? '',
      ...(x.phase === undefined ? {} : { phase: x.phase }),
      wave: x.wave ?? '',
      cutOverSlot: x.cutOverSlot === true,
    })),
    needsAttention: (status?.needsAttention ?? []).map((x) => ({
      appliance: x.appliance ?? '',
      ...(x.plan === undefined ? {} : { plan: x.plan }),
      reason: x.reason ?? '',
      message: x.message ?? '',
      ...(x.since === undefined ? {} : { since: x.since }),
    })),
    budgets: {
      inFlight: { used: counts.inFlight, allowed: spec?.maxInFlight ?? 1 },
      cuttingOver: { used: counts.cuttingOver, allowed: spec?.maxCuttingOver ?? 1 },
      unavailable: {
        used: counts.unavailable,
        allowed: resolveCountOrPercent(maxUnavailable, counts.selected, 1),
        ...(typeof maxUnavailable === 'string' ? { spec: maxUnavailable } : {}),
      },
    },
    failures: {
      count: num(f?.count),
      acknowledged: num(f?.acknowledged),
      consecutive: num(f?.consecutive),
      allowed: f?.allowed ?? spec?.failurePolicy?.maxFailures ?? 0,
      ...(spec?.failurePolicy?.maxConsecutiveFailures === undefined
        ? {}
        : { maxConsecutive: spec.failurePolicy.maxConsecutiveFailures }),
      exceeded: f?.exceeded === true,
      action: spec?.failurePolicy?.action ?? 'Pause',
    },
    ...(status?.nextWindowStart === undefined ? {} : { nextWindowStart: status.nextWindowStart }),
    suspended: spec?.suspend === true,
    abortRequested: spec?.abort === true,
    ...(ready === undefined
      ? {}
      : { summary: { status: ready.status ?? '', reason: ready.reason ?? '', message: ready.message ?? '' } }),
    conditions: (status?.conditions ?? []).map((x) => ({
      type: x.type ?? '',
      status: x.status ?? '',
      reason: x.reason ?? '',
      message: x.message ?? '',
      ...(x.lastTransitionTime === undefined ? {} : { lastTransitionTime: x.lastTransitionTime }),
    })),
    events: lastEvents(events),
  };
}

/** The concrete target of the revision (status.target), else what the spec asks for. */
function targetText(rollout: WireRollout): string {
  const resolved = rollout.status?.target;
  const wanted = rollout.spec?.target;
  const components = (resolved?.components ?? wanted?.components ?? []).map(
    (t) => `${t.name ?? '?'} ${t.level ?? '?'}`,
  );
  const image = resolved?.baseImage
    ? `base image ${resolved.baseImage.image ?? '?'} ${resolved.baseImage.displayVersion ?? resolved.baseImage.version ?? '?'}`
    : wanted?.baseImage
      ? `base image ${wanted.baseImage.ref?.namespace === undefined ? '' : `${wanted.baseImage.ref.namespace}/`}${wanted.baseImage.ref?.name ?? '?'} ${wanted.baseImage.version ?? '(latest)'}`
      : undefined;
  return [...components, ...(image === undefined ? [] : [image])].join(', ') || '-';
}
