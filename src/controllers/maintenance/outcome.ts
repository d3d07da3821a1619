// What a step reports after one pass: finished, still waiting (with what it waits for), or failed,
// and what it records for status. A step never writes status itself: decide() merges its record.
import type {
  CutOverStatus,
  DowntimeProjection,
  Preview,
  RollbackStatus,
  SyncRound,
} from '../../api/v1alpha1/index.ts';

/**
 * Facts a step learned in this pass that status must keep, so that a restarted operator resumes
 * where it was. A step that records a fact returns at once (the next pass goes on from it), so that
 * no fact is lost when a later call of the same pass fails.
 */
export interface StepRecord {
  /** Planning's preview. */
  readonly preview?: Preview;
  /** Merged into status.cutOver. */
  readonly cutOver?: Partial<CutOverStatus>;
  /** Merged into status.rollback. */
  readonly rollback?: Partial<RollbackStatus>;
  /** Appended to status.syncRounds (a round already recorded is not recorded again). */
  readonly syncRound?: SyncRound;
  /** status.downtimeSeconds. */
  readonly downtimeSeconds?: number;
  /** status.projection: the downtime projected after the latest round. */
  readonly projection?: DowntimeProjection;
  /** status.cloneUIDs: the UIDs of the plan's clones seen so far (the whole list). */
  readonly cloneUIDs?: readonly string[];
}

interface Recorded {
  readonly record?: StepRecord;
}

export type StepOutcome =
  | ({ readonly kind: 'done'; readonly message?: string } & Recorded)
  | ({
      readonly kind: 'wait';
      readonly message: string;
      readonly progress?: string;
      /** Look again after this long (default: see the reconciler). */
      readonly requeueAfterMs?: number;
      /** What the step waits for is watched (its change wakes the plan): no requeue at all. */
      readonly watched?: boolean;
      /**
       * What the plan waits for when it is not the step's own work (e.g. another plan): the Ready and
       * Reconciling reason (CamelCase).
       */
      readonly reason?: string;
      /** The wait needs a person (kstatus Stalled, with the reason and message), e.g. to state a version. */
      readonly stalled?: boolean;
    } & Recorded)
  | ({ readonly kind: 'failed'; readonly reason: string; readonly message: string } & Recorded);

export interface WaitOptions {
  readonly progress?: string;
  readonly requeueAfterMs?: number;
  readonly watched?: boolean;
  readonly reason?: string;
  readonly stalled?: boolean;
  readonly record?: StepRecord;
}

export const done = (message?: string, record?: StepRecord): StepOutcome => ({
  kind: 'done',
  ...(message === undefined ? {} : { message }),
  ...(record === undefined ? {} : { record }),
});

export const wait = (message: string, opts: WaitOptions = {}): StepOutcome => ({ kind: 'wait', message, ...opts });

export const failed = (reason: string, message: string): StepOutcome => ({ kind: 'failed', reason, message });

/** The first outcome that is not done, else done: for steps made of independent parts. */
export function firstPending(outcomes: readonly StepOutcome[]): StepOutcome {
  return outcomes.find((o) => o.kind === 'failed') ?? outcomes.find((o) => o.kind === 'wait') ?? done();
}

/** Records `fact` and asks for the next pass at once: the step goes on from the recorded fact. */
export function recordThenContinue(message: string, record: StepRecord): StepOutcome {
  return wait(message, { record, requeueAfterMs: 1 });
}
