// Reconciles one MaintenancePlan in four parts: observe (read the caches, no writes), pass (the one
// step of this pass: the only I/O but the last write), decide (pure: the new status, the Events,
// the requeue) and persist (the one write). An error the pass throws is decided and persisted like
// any other result, so that the plan's status says it; then it is thrown again, for the work
// queue's backoff. Every step is idempotent; progress lives in typed status fields.
import {
  API_VERSION,
  MAINTENANCE_PLAN_KIND,
  type BaseImage,
  type MaintenancePlan,
  type VirtualAppliance,
} from '../../api/v1alpha1/index.ts';
import { applyStatus } from '../../runtime/apply.ts';
import { setKStatus } from '../../runtime/conditions.ts';
import type { ControllerDeps, ReconcileContext, ReconcileRequest, ReconcileResult } from '../../runtime/controller.ts';
import { isDeleting, removeFinalizer } from '../../runtime/finalizers.ts';
import type { VirtualMachine } from '../../kubevirt/types.ts';
import { MAINTENANCE_FIELD_MANAGER } from '../shared/field-managers.ts';
import { clusterIO } from './cluster-io.ts';
import { decide } from './decide.ts';
import { PLAN_FINALIZER } from './deletion.ts';
import type { PlanMetrics } from './metrics.ts';
import { observe, type Observed } from './observe.ts';
import {
  DEFAULT_CHECK_IMAGE,
  DEFAULT_DATASYNC_IMAGE,
  DEFAULT_GITOPS_TRACKING_LABEL,
  DEFAULT_OBSERVE_INTERVAL_MS,
  DEFAULT_STEP_TIMEOUT_MS,
  type MaintenanceOptions,
} from './options.ts';
import { passError, runPass, type PassResult } from './pass.ts';
import { persist } from './persist.ts';
import { APPLIANCES, BASE_IMAGES, PLANS, VMS } from './resources.ts';

export function planReconciler(deps: ControllerDeps, metrics: PlanMetrics | undefined, opts: MaintenanceOptions = {}) {
  const options: Required<MaintenanceOptions> = {
    now: opts.now ?? (() => new Date()),
    datasyncImage: opts.datasyncImage ?? DEFAULT_DATASYNC_IMAGE,
    checkImage: opts.checkImage ?? DEFAULT_CHECK_IMAGE,
    stepTimeoutMs: opts.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS,
    observeIntervalMs: opts.observeIntervalMs ?? DEFAULT_OBSERVE_INTERVAL_MS,
    gitopsTrackingLabel: opts.gitopsTrackingLabel ?? DEFAULT_GITOPS_TRACKING_LABEL,
  };
  /** resourceVersion of our last write per plan, to recognise a cache that lags behind it. */
  const lastWritten = new Map<string, string>();
  const sources = {
    plans: deps.cache.informer<MaintenancePlan>(PLANS).store,
    appliances: deps.cache.informer<VirtualAppliance>(APPLIANCES).store,
    vms: deps.cache.informer<VirtualMachine>(VMS).store,
    baseImages: deps.cache.informer<BaseImage>(BASE_IMAGES).store,
    lastWritten,
    options,
  };

  return async (req: ReconcileRequest, _rc: ReconcileContext): Promise<ReconcileResult> => {
    const key = `${req.namespace ?? ''}/${req.name}`;
    const remember = (resourceVersion: string | undefined) => {
      if (resourceVersion !== undefined) lastWritten.set(key, resourceVersion);
    };
    const seen = observe(key, sources);
    switch (seen.kind) {
      case 'gone':
        lastWritten.delete(key);
        return {};
      case 'lagging':
        return { requeueAfterMs: 50 };
      case 'invalid':
        await refuseInvalid(seen.raw, seen.message, seen.now);
        return {};
      case 'plan':
        break;
    }

    let pass: PassResult;
    try {
      pass = await runPass(seen, { deps, io: ioFor(seen), remember });
    } catch (err) {
      pass = passError(err);
    }
    const decision = decide(seen, pass);
    await persist(seen.raw, decision, seen.now, { deps, metrics, remember });
    if (pass.kind === 'error') throw pass.cause;
    return decision.result;
  };

  function ioFor(seen: Observed) {
    if (seen.facts === undefined) return undefined;
    return clusterIO(deps, {
      namespace: seen.facts.namespace,
      plan: seen.plan.metadata.name ?? '',
      appliance: seen.facts.appliance.metadata.name ?? '',
      toSlot: seen.facts.toSlot,
    });
  }

  /** A plan the operator cannot read never started: Stalled with what is wrong, and nothing to undo when it goes. */
  async function refuseInvalid(raw: MaintenancePlan, message: string, now: Date): Promise<void> {
    if (isDeleting(raw)) {
      await removeFinalizer(deps.client, raw, PLAN_FINALIZER);
      return;
    }
    const generation = raw.metadata.generation ?? 0;
    const conditions = setKStatus(
      raw.status?.conditions,
      { state: 'Stalled', reason: 'InvalidSpec', message },
      { observedGeneration: generation, now },
    );
    await applyStatus(
      deps.client,
      {
        apiVersion: API_VERSION,
        kind: MAINTENANCE_PLAN_KIND,
        metadata: { name: raw.metadata.name, namespace: raw.metadata.namespace },
        status: { steps: [], syncRounds: [], ...raw.status, conditions, observedGeneration: generation },
      },
      { fieldManager: MAINTENANCE_FIELD_MANAGER },
    );
  }
}
