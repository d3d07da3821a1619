// status.steps[] bookkeeping: which step runs, which finished, with times, messages and progress. Pure.
import type { Condition, Step } from '../../api/v1alpha1/index.ts';
import { metav1Time } from '../../runtime/time.ts';
import type { StepName } from './pipeline.ts';

/** What happened to the current step in this pass. */
export type StepUpdate =
  | { readonly kind: 'running'; readonly message?: string; readonly progress?: string }
  | { readonly kind: 'succeeded'; readonly message?: string }
  | { readonly kind: 'skipped'; readonly message?: string }
  | { readonly kind: 'failed'; readonly message: string };

/** The step list with every planned step present (new ones Pending), in plan order; extra steps (Rollback, Cleanup) kept after. */
export function withPlannedSteps(steps: readonly Step[], planned: readonly StepName[]): Step[] {
  const byName = new Map(steps.map((s) => [s.name, s]));
  const list: Step[] = planned.map((name) => byName.get(name) ?? { name, state: 'Pending' });
  for (const s of steps) if (!planned.includes(s.name as StepName)) list.push(s);
  return list;
}

/** Marks step `name` with what happened to it (appended when absent), stamping start and finish times. */
export function markStep(steps: readonly Step[], name: StepName, update: StepUpdate, now: Date): Step[] {
  const at = metav1Time(now);
  const list = steps.some((s) => s.name === name) ? [...steps] : [...steps, { name, state: 'Pending' as const }];
  return list.map((s) => {
    if (s.name !== name) return s;
    const startedAt = s.startedAt ?? at;
    const { message: _m, progress: _p, finishedAt: _f, ...rest } = s;
    switch (update.kind) {
      case 'running':
        return {
          ...rest,
          state: 'Running',
          startedAt,
          ...(update.message ? { message: update.message } : {}),
          ...(update.progress ? { progress: update.progress } : {}),
        };
      case 'succeeded':
        return {
          ...rest,
          state: 'Succeeded',
          startedAt,
          finishedAt: s.state === 'Succeeded' ? (s.finishedAt ?? at) : at,
          ...(update.message ? { message: update.message } : {}),
        };
      case 'skipped':
        return { ...rest, state: 'Skipped', ...(update.message ? { message: update.message } : {}) };
      case 'failed':
        return { ...rest, state: 'Failed', startedAt, finishedAt: at, message: update.message };
    }
  });
}

/** When step `name` started, if it did. */
export function stepStartedAt(steps: readonly Step[], name: StepName | undefined): Date | undefined {
  const started = steps.find((s) => s.name === name)?.startedAt;
  return started === undefined ? undefined : new Date(started);
}

/**
 * Where the current step's deadline (and its elapsed time) counts from: its start, or the moment the
 * plan last went back to work (Reconciling turned True, as after a suspension), whichever is later.
 * A plan suspended for a night does not time out the step it resumes.
 */
export function deadlineFrom(
  startedAt: Date | undefined,
  conditions: readonly Pick<Condition, 'type' | 'status' | 'lastTransitionTime'>[],
): Date | undefined {
  if (startedAt === undefined) return undefined;
  const working = conditions.find((c) => c.type === 'Reconciling' && c.status === 'True');
  const since = working === undefined ? undefined : new Date(working.lastTransitionTime);
  return since !== undefined && since > startedAt ? since : startedAt;
}
