// Conditions as KubeVirt and the kubelet write them: lastTransitionTime changes only when status does.

/** The shape shared by VM, VMI, Pod and Node conditions. */
export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string | null;
  lastProbeTime?: string | null;
}

export function findCondition<C extends Condition>(conditions: readonly C[] | undefined, type: string): C | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}

/**
 * Returns `conditions` with `next` put in place of the condition of its type, keeping the old
 * lastTransitionTime when the status did not change (so that repeated writes are no-ops).
 */
export function setCondition<C extends Condition>(conditions: readonly C[] | undefined, next: C, now: string): C[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === next.type);
  const old = i >= 0 ? list[i] : undefined;
  const merged = { ...next, lastTransitionTime: old?.status === next.status ? (old.lastTransitionTime ?? now) : now };
  if (i >= 0) list[i] = merged;
  else list.push(merged);
  return list;
}
