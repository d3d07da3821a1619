// The first part of a pass: read everything the pass decides from, from the caches and the clock,
// with no writes. The plan parsed, its state, its appliance, the parsed settings, the window at
// `now`, when the current step started, and the facts the steps get.
import {
  LABEL_SLOT,
  type BaseImage,
  type MaintenancePlan,
  type MaintenancePlanStatus,
  type Slot,
  type Step,
  type VirtualAppliance,
} from '../../api/v1alpha1/index.ts';
import { issuesLine, safeParseBaseImage, safeParseMaintenancePlan } from '../../api/v1alpha1/parse.ts';
import type { VirtualMachine } from '../../kubevirt/types.ts';
import { hasFinalizer, isDeleting } from '../../runtime/finalizers.ts';
import type { Store } from '../../runtime/store.ts';
import { cloneRetained } from './cleanups.ts';
import type { DeletionFacts } from './deletion.ts';
import { PLAN_FINALIZER } from './deletion.ts';
import { stepFacts, type StepFacts } from './facts.ts';
import { planNames } from './names.ts';
import type { MaintenanceOptions } from './options.ts';
import { planStateFromStatus, stepOf, stepsFor, type PlanState } from './phases.ts';
import type { StepName } from './pipeline.ts';
import type { RequestFacts } from './requests.ts';
import { planSettings, type PlanSettings } from './settings.ts';
import { originalRetained } from './steps/release.ts';
import { deadlineFrom, stepStartedAt, withPlannedSteps } from './step-status.ts';
import { windowState, type WindowState } from './window.ts';

/** What a pass works from. */
export interface Observed {
  /** The plan as cached: finalizer writes carry its resourceVersion. */
  readonly raw: MaintenancePlan;
  /** The same, parsed (defaults applied). */
  readonly plan: MaintenancePlan;
  readonly status: MaintenancePlanStatus;
  readonly state: PlanState;
  readonly generation: number;
  readonly now: Date;
  /** The steps the plan runs, in order. */
  readonly planned: readonly StepName[];
  /** status.steps with every planned step present. */
  readonly steps: readonly Step[];
  readonly currentStep: StepName | undefined;
  readonly deleting: boolean;
  readonly hasFinalizer: boolean;
  readonly appliance: VirtualAppliance | undefined;
  /** What the steps get; undefined when the appliance does not exist. */
  readonly facts: StepFacts | undefined;
  readonly settings: PlanSettings;
  readonly window: WindowState;
  /** What spec.abort and spec.rollbackNow are answered from. */
  readonly requests: RequestFacts;
  /** What deleting the plan does, decided from. */
  readonly deletion: DeletionFacts;
}

export type Observation =
  /** The plan is gone from the cache. */
  | { readonly kind: 'gone' }
  /** The cache holds a copy older than this controller's own last write to it: wait for the cache. */
  | { readonly kind: 'lagging' }
  /** The operator cannot read the plan (it passed the API server's validation, not the operator's). */
  | { readonly kind: 'invalid'; readonly raw: MaintenancePlan; readonly message: string; readonly now: Date }
  | ({ readonly kind: 'plan' } & Observed);

export interface ObserveSources {
  readonly plans: Store<MaintenancePlan>;
  readonly appliances: Store<VirtualAppliance>;
  readonly vms: Store<VirtualMachine>;
  readonly baseImages: Store<BaseImage>;
  /** resourceVersion of this controller's last write per plan key. */
  readonly lastWritten: ReadonlyMap<string, string>;
  readonly options: Required<MaintenanceOptions>;
}

export function observe(key: string, sources: ObserveSources): Observation {
  const raw = sources.plans.get(key);
  if (raw === undefined) return { kind: 'gone' };
  // Deciding on a copy older than our own last write would redo (or undo) a step: wait for the
  // cache. resourceVersions are opaque, but etcd's are increasing integers, as every client sees.
  const mine = sources.lastWritten.get(key);
  if (mine !== undefined && Number(raw.metadata.resourceVersion) < Number(mine)) return { kind: 'lagging' };
  const now = sources.options.now();

  const parsed = safeParseMaintenancePlan(raw);
  if (!parsed.ok) return { kind: 'invalid', raw, message: issuesLine(parsed.error), now };
  const plan = parsed.value;
  let settings: PlanSettings;
  let window: WindowState;
  try {
    settings = planSettings(plan.spec, sources.options);
    window = windowState(plan.spec.window, now);
  } catch (err) {
    return { kind: 'invalid', raw, message: (err as Error).message, now };
  }

  const status: MaintenancePlanStatus = plan.status ?? { steps: [], syncRounds: [], conditions: [] };
  const state = planStateFromStatus(status);
  const planned = stepsFor(plan.spec);
  const steps = withPlannedSteps(status.steps, planned);
  const currentStep = stepOf(state);
  const appliance = sources.appliances.get(`${plan.metadata.namespace ?? ''}/${plan.spec.appliance}`);
  const cutOver = status.cutOver?.servicesSwitchedAt !== undefined;
  const facts =
    appliance === undefined
      ? undefined
      : stepFacts({
          plan,
          status,
          appliance,
          now,
          stepStartedAt: deadlineFrom(stepStartedAt(steps, currentStep), status.conditions) ?? now,
          cloneSlot: cloneSlot(sources.vms, plan, appliance),
          settings,
          window,
          ...baseImageOf(sources.baseImages, plan),
        });
  return {
    kind: 'plan',
    raw,
    plan,
    status,
    state,
    generation: raw.metadata.generation ?? 0,
    now,
    planned,
    steps,
    currentStep,
    deleting: isDeleting(raw),
    hasFinalizer: hasFinalizer(raw, PLAN_FINALIZER),
    appliance,
    facts,
    settings,
    window,
    requests: {
      cutOver,
      originalRetained: originalRetained(status, settings.retainOriginalMs, now),
      rolledBack: status.rollback !== undefined,
    },
    deletion: {
      cutOver,
      released: status.steps.some((s) => s.name === 'Release' && s.state === 'Succeeded'),
      cloneRetained: cloneRetained(plan.spec.failedClonePolicy, state.phase, cutOver),
    },
  };
}

/** The slot written on the plan's clone VMs, once they exist. */
function cloneSlot(vms: Store<VirtualMachine>, plan: MaintenancePlan, appliance: VirtualAppliance): Slot | undefined {
  const names = planNames(plan.metadata.name ?? '');
  const namespace = plan.metadata.namespace ?? '';
  for (const member of appliance.spec.members) {
    const slot = vms.get(`${namespace}/${names.cloneVm(member.name)}`)?.metadata?.labels?.[LABEL_SLOT];
    if (slot === 'blue' || slot === 'green') return slot;
  }
  return undefined;
}

/** spec.baseImage's BaseImage, parsed, or why it cannot be read. */
function baseImageOf(images: Store<BaseImage>, plan: MaintenancePlan): { baseImage?: StepFacts['baseImage'] } {
  const target = plan.spec.baseImage;
  if (target === undefined) return {};
  const key = `${target.ref.namespace ?? plan.metadata.namespace ?? ''}/${target.ref.name}`;
  const raw = images.get(key);
  if (raw === undefined)
    return { baseImage: { reason: 'BaseImageNotFound', problem: `spec.baseImage.ref: BaseImage ${key} not found` } };
  const parsed = safeParseBaseImage(raw);
  if (!parsed.ok)
    return {
      baseImage: { reason: 'BaseImageInvalid', problem: `BaseImage ${key} is invalid: ${issuesLine(parsed.error)}` },
    };
  return { baseImage: { image: parsed.value } };
}
