// metav1.Condition lists as kstatus (Flux, kpt, Argo CD, `kubectl wait`) reads them. Pure.
import { metav1Time } from './time.ts';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** metav1.Condition. */
export interface Condition {
  readonly type: string;
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
  readonly observedGeneration?: number;
  /** RFC 3339; changes only when `status` changes. */
  readonly lastTransitionTime: string;
}

/** The fields a caller sets; the rest is derived. */
export interface ConditionInput {
  readonly type: string;
  readonly status: ConditionStatus;
  /** CamelCase, required by the API server's validation. */
  readonly reason: string;
  readonly message?: string;
}

/** Options for {@link setCondition}. */
export interface SetConditionOptions {
  /** metadata.generation of the object this status describes. */
  readonly observedGeneration?: number;
  /** Default: now. */
  readonly now?: Date;
}

export function getCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isConditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return getCondition(conditions, type)?.status === 'True';
}

/**
 * Returns a new list with the condition set. lastTransitionTime is kept unless the status
 * changes; reason, message and observedGeneration are always updated. Order is preserved.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  input: ConditionInput,
  opts: SetConditionOptions = {},
): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === input.type);
  const prev = i >= 0 ? list[i] : undefined;
  const next: Condition = {
    type: input.type,
    status: input.status,
    reason: input.reason,
    message: input.message ?? '',
    ...(opts.observedGeneration !== undefined ? { observedGeneration: opts.observedGeneration } : {}),
    lastTransitionTime:
      prev && prev.status === input.status ? prev.lastTransitionTime : metav1Time(opts.now ?? new Date()),
  };
  if (i >= 0) list[i] = next;
  else list.push(next);
  return list;
}

export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

/** True when the two lists say the same (ignoring order), so a status write can be skipped. */
export function conditionsEqual(a: readonly Condition[] | undefined, b: readonly Condition[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  if (x.length !== y.length) return false;
  return x.every((c) => {
    const d = getCondition(y, c.type);
    return (
      d !== undefined &&
      d.status === c.status &&
      d.reason === c.reason &&
      d.message === c.message &&
      d.observedGeneration === c.observedGeneration &&
      d.lastTransitionTime === c.lastTransitionTime
    );
  });
}

/**
 * The kstatus summary of an object. NotReady is Ready False with neither Reconciling nor Stalled: a
 * healthy wait the controller does not drive (for a person, or the clock), or an end the user chose.
 */
export type KStatus =
  | { readonly state: 'Ready'; readonly reason?: string; readonly message?: string }
  | { readonly state: 'Reconciling'; readonly reason: string; readonly message?: string }
  | { readonly state: 'Stalled'; readonly reason: string; readonly message?: string }
  | { readonly state: 'NotReady'; readonly reason: string; readonly message?: string };

/** Ready=False and Reconciling=True with this reason while an error is retried (Flux's name). */
export const PROGRESSING_WITH_RETRY = 'ProgressingWithRetry';

/**
 * Sets Ready / Reconciling / Stalled for a kstatus summary: the one kstatus writer of the operator.
 * kstatus' "abnormal-true" conditions (Reconciling, Stalled) are removed when they do not apply
 * (Flux's convention); Ready is always present. Other condition types are left as they are.
 */
export function setKStatus(
  conditions: readonly Condition[] | undefined,
  status: KStatus,
  opts: SetConditionOptions = {},
): Condition[] {
  const message = status.message ?? '';
  switch (status.state) {
    case 'Ready': {
      const list = setCondition(
        conditions,
        { type: 'Ready', status: 'True', reason: status.reason ?? 'Ready', message },
        opts,
      );
      return removeCondition(removeCondition(list, 'Reconciling'), 'Stalled');
    }
    case 'Reconciling': {
      const ready = setCondition(conditions, { type: 'Ready', status: 'False', reason: status.reason, message }, opts);
      const list = setCondition(ready, { type: 'Reconciling', status: 'True', reason: status.reason, message }, opts);
      return removeCondition(list, 'Stalled');
    }
    case 'Stalled': {
      const ready = setCondition(conditions, { type: 'Ready', status: 'False', reason: status.reason, message }, opts);
      const list = setCondition(ready, { type: 'Stalled', status: 'True', reason: status.reason, message }, opts);
      return removeCondition(list, 'Reconciling');
    }
    case 'NotReady': {
      const list = setCondition(conditions, { type: 'Ready', status: 'False', reason: status.reason, message }, opts);
      return removeCondition(removeCondition(list, 'Reconciling'), 'Stalled');
    }
  }
}

/** Reads the kstatus summary back from a condition list (Stalled wins over Reconciling). */
export function readKStatus(conditions: readonly Condition[] | undefined): KStatus['state'] | 'Unknown' {
  if (isConditionTrue(conditions, 'Stalled')) return 'Stalled';
  if (isConditionTrue(conditions, 'Reconciling')) return 'Reconciling';
  if (isConditionTrue(conditions, 'Ready')) return 'Ready';
  return getCondition(conditions, 'Ready') ? 'Reconciling' : 'Unknown';
}
