// Reconciles one MaintenanceRollout: resolve the target (a new one is a new revision, written to
// status before any plan is made for it: intent first), observe the appliances and the rollout's
// plans, schedule (pure), act (abort, give cut-over slots, make plans), then one status write.
//
// Crash safety: everything is derived from the plans that exist (deterministic names, labels with
// the revision and wave) and typed status fields (revision, targetHash). A plan made or a slot given
// but not yet in the cache is remembered in memory until the cache shows it (the ReplicaSet
// controller's "expectations"), so a quick second pass never exceeds a budget; a restarted operator
// lists every plan before its first pass, so it needs no memory.
import {
  API_VERSION,
  MAINTENANCE_ROLLOUT_KIND,
  ROLLOUT_FINALIZER,
  type BaseImage,
  type MaintenancePlan,
  type MaintenanceRollout,
  type MaintenanceRolloutStatus,
  type VirtualAppliance,
} from '../../api/v1alpha1/index.ts';
import { issuesLine, safeParseMaintenanceRollout } from '../../api/v1alpha1/parse.ts';
import { applyStatus } from '../../runtime/apply.ts';
import { PROGRESSING_WITH_RETRY, conditionsEqual, setKStatus, type KStatus } from '../../runtime/conditions.ts';
import type { ControllerDeps, ReconcileContext, ReconcileRequest, ReconcileResult } from '../../runtime/controller.ts';
import { errorMessage, isAlreadyExists, isConflict, isNotFound } from '../../runtime/errors.ts';
import { addFinalizer, hasFinalizer, isDeleting, removeFinalizer } from '../../runtime/finalizers.ts';
import { resourcePath } from '../../runtime/resources.ts';
import { sameJson } from '../../runtime/same-json.ts';
import { ROLLOUT_FIELD_MANAGER } from '../shared/field-managers.ts';
import type { RolloutPlan } from './facts.ts';
import { MAX_ROLLOUT_NAME } from './names.ts';
import { applianceFacts, planFacts } from './observe.ts';
import { planManifest } from './plan-manifest.ts';
import { APPLIANCES, BASE_IMAGES, PLANS, ROLLOUTS } from './resources.ts';
import { notCutOver, schedule, type Schedule } from './schedule.ts';
import { newRevisionStatus, statusOf } from './status.ts';
import { baseImageKey, resolveTarget } from './target.ts';

/** How often a rollout is looked at with nothing happening. */
export const RESYNC_MS = 60_000;
/** How long a made plan or a given slot is remembered while the cache does not show it. */
const EXPECTATION_MS = 120_000;

export interface RolloutOptions {
  readonly now?: () => Date;
}

export const BY_ROLLOUT = 'vapp.dev/rollout-plans';
export const BY_NAMESPACE = 'vapp.dev/rollout-namespace';

interface Expectations {
  readonly created: Map<string, { readonly plan: RolloutPlan; readonly at: number }>;
  readonly granted: Map<string, number>;
}

export function rolloutReconciler(deps: ControllerDeps, opts: RolloutOptions = {}) {
  const now = opts.now ?? (() => new Date());
  const rollouts = deps.cache.informer<MaintenanceRollout>(ROLLOUTS).store;
  const plans = deps.cache.informer<MaintenancePlan>(PLANS).store;
  const appliances = deps.cache.informer<VirtualAppliance>(APPLIANCES).store;
  const images = deps.cache.informer<BaseImage>(BASE_IMAGES).store;
  const expectations = new Map<string, Expectations>();
  const query = { fieldManager: ROLLOUT_FIELD_MANAGER };

  return async (req: ReconcileRequest, ctx: ReconcileContext): Promise<ReconcileResult> => {
    const key = `${req.namespace ?? ''}/${req.name}`;
    const raw = rollouts.get(key);
    if (raw === undefined) {
      expectations.delete(key);
      return {};
    }
    if (isDeleting(raw)) {
      try {
        await finalize(raw, key);
      } catch (err) {
        // A deletion held by its finalizer says why on the object, not only in the log.
        await writeStatus(raw, raw.status, {
          state: 'Reconciling',
          reason: PROGRESSING_WITH_RETRY,
          message: `deleting: ${errorMessage(err)} (retrying)`,
        });
        throw err;
      }
      return {};
    }
    if (!hasFinalizer(raw, ROLLOUT_FINALIZER)) {
      // Before any plan is made: a deleted rollout always aborts the plans it holds.
      try {
        await addFinalizer(deps.client, raw, ROLLOUT_FINALIZER);
      } catch (err) {
        if (isConflict(err)) return { requeueAfterMs: 1_000 }; // the cache is behind: look again
        throw err;
      }
    }
    const parsed = safeParseMaintenanceRollout(raw);
    if (!parsed.ok) {
      await writeStatus(raw, raw.status, {
        state: 'Stalled',
        reason: 'InvalidSpec',
        message: issuesLine(parsed.error),
      });
      return {};
    }
    const rollout = parsed.value;
    const name = rollout.metadata.name ?? '';
    if (name.length > MAX_ROLLOUT_NAME) {
      await writeStatus(raw, raw.status, {
        state: 'Stalled',
        reason: 'InvalidName',
        message: `the rollout's name must be at most ${String(MAX_ROLLOUT_NAME)} characters: it is the vapp.dev/rollout label of its plans`,
      });
      return {};
    }
    const t = now();

    // The revision: a new concrete target is written first, plans for it come in the next pass.
    const imageKey = baseImageKey(rollout);
    const resolution = resolveTarget(rollout, imageKey === undefined ? undefined : images.get(imageKey));
    if (!resolution.ok) {
      await writeStatus(raw, raw.status, {
        state: 'Reconciling',
        reason: resolution.reason,
        message: resolution.message,
      });
      return { requeueAfterMs: RESYNC_MS };
    }
    const previous = raw.status;
    if (previous?.targetHash !== resolution.hash) {
      const revision = (previous?.revision ?? 0) + 1;
      await writeStatus(
        raw,
        newRevisionStatus(
          previous,
          { number: revision, hash: resolution.hash, target: resolution.target },
          `revision ${String(revision)}: ${describeTarget(resolution.target)}`,
          rollout.metadata.generation,
          t,
        ),
      );
      if (previous?.targetHash !== undefined)
        await deps.events.normal(
          raw,
          'NewRevision',
          `revision ${String(revision)}: ${describeTarget(resolution.target)}`,
        );
      return { requeue: true };
    }
    const revision = previous.revision;

    const expected = expectationsOf(key);
    const seen = plans.byIndex(BY_ROLLOUT, key).map((p) => planFacts(p, t));
    const facts = withExpectations(seen, expected, t.getTime());
    const decision = schedule({
      rollout,
      revision,
      components: resolution.target.components,
      appliances: applianceFacts(appliances.byIndex(BY_NAMESPACE, req.namespace ?? ''), resolution.target, rollout),
      plans: facts,
      now: t,
    });

    let failure: { readonly cause: unknown } | undefined;
    try {
      await act(rollout, raw, revision, resolution.target, decision, expected, t.getTime());
    } catch (err) {
      failure = { cause: err };
    }
    const next = statusOf(
      previous,
      decision,
      { number: revision, hash: resolution.hash, target: resolution.target },
      rollout.metadata.generation,
      t,
    );
    await writeStatus(
      raw,
      failure === undefined
        ? next
        : {
            ...next,
            conditions: setKStatus(next.conditions, {
              state: 'Reconciling',
              reason: PROGRESSING_WITH_RETRY,
              message: `${errorMessage(failure.cause)} (retrying)`,
            }),
          },
    );
    if (previous.phase !== next.phase) {
      if (next.phase === 'Paused') await deps.events.warning(raw, 'Paused', decision.message);
      else await deps.events.normal(raw, next.phase ?? 'Progressing', decision.message);
    }
    if (failure !== undefined) throw failure.cause;
    ctx.log.debug('reconciled', { phase: next.phase, progress: next.progress });
    const wakeIn = decision.wakeAt === undefined ? RESYNC_MS : decision.wakeAt.getTime() - t.getTime() + 1_000;
    return { requeueAfterMs: Math.max(1_000, Math.min(RESYNC_MS, wakeIn)) };
  };

  /**
   * A deleted rollout: abort its plans that have not cut over (held for a slot nobody will give;
   * their originals serve on, nothing of theirs is released by an abort), leave the others to
   * finish or keep what they retain, delete nothing, then let the rollout go.
   */
  async function finalize(raw: MaintenanceRollout, key: string): Promise<void> {
    if (!hasFinalizer(raw, ROLLOUT_FINALIZER)) return;
    const namespace = raw.metadata.namespace ?? '';
    const held = notCutOver(plans.byIndex(BY_ROLLOUT, key).map((p) => planFacts(p)));
    for (const plan of held) {
      try {
        await deps.client.request(resourcePath(PLANS, namespace, plan), {
          method: 'PATCH',
          contentType: 'application/merge-patch+json',
          query,
          body: { spec: { abort: true } },
        });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    if (held.length > 0)
      await deps.events.normal(
        raw,
        'PlansAborted',
        `rollout deleted: aborted ${String(held.length)} plan(s) that had not cut over (${held.join(', ')}); the others are left as they are`,
      );
    try {
      await removeFinalizer(deps.client, raw, ROLLOUT_FINALIZER);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    expectations.delete(key);
  }

  function expectationsOf(key: string): Expectations {
    let e = expectations.get(key);
    if (e === undefined) {
      e = { created: new Map(), granted: new Map() };
      expectations.set(key, e);
    }
    return e;
  }

  /** The cached plans plus the ones made or given a slot that the cache does not show yet. */
  function withExpectations(seen: readonly RolloutPlan[], e: Expectations, at: number): RolloutPlan[] {
    const byName = new Map(seen.map((p) => [p.name, p]));
    for (const [name, { plan, at: since }] of e.created) {
      if (byName.has(name) || at - since > EXPECTATION_MS) e.created.delete(name);
      else byName.set(name, plan);
    }
    for (const [name, since] of e.granted) {
      const p = byName.get(name);
      if (p === undefined || !p.cutOverHold || at - since > EXPECTATION_MS) e.granted.delete(name);
      else byName.set(name, { ...p, cutOverHold: false });
    }
    return [...byName.values()];
  }

  async function act(
    rollout: MaintenanceRollout,
    raw: MaintenanceRollout,
    revision: number,
    target: Parameters<typeof planManifest>[2],
    s: Schedule,
    e: Expectations,
    at: number,
  ): Promise<void> {
    const namespace = rollout.metadata.namespace ?? '';
    const patchPlan = (plan: string, spec: Record<string, unknown>) =>
      deps.client.request(resourcePath(PLANS, namespace, plan), {
        method: 'PATCH',
        contentType: 'application/merge-patch+json',
        query,
        body: { spec },
      });
    for (const plan of s.abort) {
      try {
        await patchPlan(plan, { abort: true });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    for (const plan of s.rollBack) {
      try {
        await patchPlan(plan, { rollbackNow: true });
      } catch (err) {
        if (!isNotFound(err)) throw err;
        continue;
      }
      await deps.events.warning(raw, 'RollingBack', `failure budget spent (RollBackWave): rolling back plan ${plan}`);
    }
    for (const plan of s.grant) {
      await patchPlan(plan, { cutOverHold: false });
      e.granted.set(plan, at);
      await deps.events.normal(raw, 'CutOverSlotGranted', `plan ${plan} may cut over now`);
    }
    for (const c of s.create) {
      // Remembered before the request: a pass that runs before the cache shows the plan counts it.
      e.created.set(c.name, {
        plan: {
          name: c.name,
          appliance: c.appliance,
          revision,
          wave: c.wave,
          cutOverHold: true,
          abort: false,
          ...(c.window ? { window: c.window } : {}),
        },
        at,
      });
      try {
        await deps.client.request(resourcePath(PLANS, namespace), {
          method: 'POST',
          query,
          body: planManifest(rollout, revision, target, c),
        });
        await deps.events.normal(raw, 'PlanCreated', `plan ${c.name} for appliance ${c.appliance} (wave ${c.wave})`);
      } catch (err) {
        if (!isAlreadyExists(err)) {
          e.created.delete(c.name);
          throw err;
        }
      }
    }
  }

  /** The status write (only when something changed); an Event when an error first appears or the spec is refused. */
  async function writeStatus(
    current: MaintenanceRollout,
    next: MaintenanceRolloutStatus | undefined,
    override?: KStatus,
  ): Promise<void> {
    const generation = current.metadata.generation;
    const base: MaintenanceRolloutStatus =
      next ??
      ({
        revision: 0,
        counts: {},
        waves: [],
        inFlight: [],
        needsAttention: [],
        failures: {},
        conditions: [],
      } as unknown as MaintenanceRolloutStatus);
    const status: MaintenanceRolloutStatus =
      override === undefined
        ? base
        : {
            ...base,
            ...(generation === undefined ? {} : { observedGeneration: generation }),
            conditions: setKStatus(
              base.conditions,
              override,
              generation === undefined ? {} : { observedGeneration: generation },
            ),
          };
    if (current.status !== undefined && unchanged(current.status, status)) return;
    await applyStatus(
      deps.client,
      {
        apiVersion: API_VERSION,
        kind: MAINTENANCE_ROLLOUT_KIND,
        metadata: { name: current.metadata.name, namespace: current.metadata.namespace },
        status,
      },
      { fieldManager: ROLLOUT_FIELD_MANAGER },
    );
    if (override !== undefined && override.state !== 'Ready') {
      const before = current.status?.conditions.find((c) => c.type === 'Ready');
      if (before?.reason !== override.reason || before.message !== (override.message ?? ''))
        await deps.events.warning(current, override.reason, override.message ?? '');
    }
  }
}

function unchanged(a: MaintenanceRolloutStatus, b: MaintenanceRolloutStatus): boolean {
  if (!conditionsEqual(a.conditions, b.conditions)) return false;
  return sameJson({ ...a, conditions: [] }, { ...b, conditions: [] });
}

function describeTarget(t: {
  readonly components: readonly { name: string; level: string }[];
  readonly baseImage?: { image: string; version: string; displayVersion?: string };
}): string {
  const parts = t.components.map((c) => `${c.name} ${c.level}`);
  if (t.baseImage) parts.push(`${t.baseImage.image} ${t.baseImage.displayVersion ?? t.baseImage.version}`);
  return parts.join(', ');
}
