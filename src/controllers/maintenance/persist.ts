// The last part of a pass: the one write of what decide() chose. The status (server-side apply under
// the maintenance field manager, skipped when nothing changed), the metrics and the Events.
import {
  API_VERSION,
  MAINTENANCE_PLAN_KIND,
  type MaintenancePlan,
  type MaintenancePlanStatus,
} from '../../api/v1alpha1/index.ts';
import { applyStatus } from '../../runtime/apply.ts';
import { conditionsEqual } from '../../runtime/conditions.ts';
import { sameJson } from '../../runtime/same-json.ts';
import type { ControllerDeps } from '../../runtime/controller.ts';
import { MAINTENANCE_FIELD_MANAGER } from '../shared/field-managers.ts';
import type { Decision } from './decide.ts';
import type { PlanMetrics } from './metrics.ts';

export interface PersistContext {
  readonly deps: ControllerDeps;
  readonly metrics: PlanMetrics | undefined;
  /** Records the resourceVersion of the status write (see observe's cache-lag guard). */
  readonly remember: (resourceVersion: string | undefined) => void;
}

export async function persist(raw: MaintenancePlan, decision: Decision, now: Date, ctx: PersistContext): Promise<void> {
  const { status } = decision;
  if (status !== undefined && !unchanged(raw.status, status)) {
    const written = await applyStatus(
      ctx.deps.client,
      {
        apiVersion: API_VERSION,
        kind: MAINTENANCE_PLAN_KIND,
        metadata: { name: raw.metadata.name, namespace: raw.metadata.namespace },
        status,
      },
      { fieldManager: MAINTENANCE_FIELD_MANAGER },
    );
    ctx.remember((written.metadata as { resourceVersion?: string } | undefined)?.resourceVersion);
  }
  if (status !== undefined) ctx.metrics?.roundsRecorded(raw.status, status);
  if (status !== undefined && decision.phaseChange !== undefined) {
    ctx.metrics?.phaseChanged(decision.phaseChange.from, decision.phaseChange.to, raw.status, status, now);
  }
  for (const e of decision.events) {
    if (e.type === 'Warning') await ctx.deps.events.warning(raw, e.reason, e.message);
    else await ctx.deps.events.normal(raw, e.reason, e.message);
  }
}

function unchanged(current: MaintenancePlanStatus | undefined, next: MaintenancePlanStatus): boolean {
  if (current === undefined) return false;
  if (!conditionsEqual(current.conditions, next.conditions)) return false;
  const { conditions: _a, ...a } = current;
  const { conditions: _b, ...b } = next;
  return sameJson(a, b);
}
