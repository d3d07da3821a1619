// Budgets given as a count or a percentage of the selected appliances (maxUnavailable, a wave's
// limit). Pure. A percentage rounds up (Kubernetes' maxSurge rounding), so 10% of 6 is 1, and any
// percentage above 0% allows at least one: a budget that can never be used would stall the rollout.
export function resolveCountOrPercent(value: number | string, total: number): number {
  if (typeof value === 'number') return value;
  const percent = Number(value.slice(0, -1));
  if (percent === 0) return 0;
  return Math.max(1, Math.ceil((percent * total) / 100));
}
