// What a step decides from: the plan, its appliance, the slots, the names of its children, the
// parsed settings and the clock. Read-only and free of I/O; the door to the API server is
// cluster-io.ts. Built once per pass by observe().
import type {
  BaseImage,
  MaintenancePlan,
  MaintenancePlanStatus,
  Member,
  Slot,
  VirtualAppliance,
} from '../../api/v1alpha1/index.ts';
import { applianceOwner, childLabels, planNames } from './names.ts';
import type { PlanSettings } from './settings.ts';
import type { WindowState } from './window.ts';

export interface StepFacts {
  /** The plan, parsed (defaults applied). */
  readonly plan: MaintenancePlan;
  /** Its status as stored: what earlier passes recorded (cutOver, rollback, syncRounds...). */
  readonly status: MaintenancePlanStatus;
  readonly appliance: VirtualAppliance;
  readonly namespace: string;
  readonly now: Date;
  /** When the current step started (now, on its first pass), or resumed after a suspension: its deadline counts from here. */
  readonly stepStartedAt: Date;
  /** The slot serving before the cut-over, and the slot of the clone. */
  readonly fromSlot: Slot;
  readonly toSlot: Slot;
  readonly names: ReturnType<typeof planNames>;
  /** Labels of every child of the plan. */
  readonly labels: Readonly<Record<string, string>>;
  /** Owner reference of every child: the appliance. */
  readonly owner: ReturnType<typeof applianceOwner>;
  /** The members in start order (members with equal startOrder keep their spec order). */
  readonly members: readonly Member[];
  readonly settings: PlanSettings;
  /** The maintenance window at `now`. */
  readonly window: WindowState;
  /** spec.baseImage's BaseImage (parsed), or why it cannot be read; absent without spec.baseImage. */
  readonly baseImage?: { readonly image: BaseImage } | { readonly problem: string; readonly reason: string };
}

export interface StepFactsInput {
  readonly plan: MaintenancePlan;
  readonly status: MaintenancePlanStatus;
  readonly appliance: VirtualAppliance;
  readonly now: Date;
  readonly stepStartedAt: Date;
  /** The slot of the clone VMs when they exist (read from their label). */
  readonly cloneSlot: Slot | undefined;
  readonly settings: PlanSettings;
  readonly window: WindowState;
  readonly baseImage?: StepFacts['baseImage'];
}

export function stepFacts(input: StepFactsInput): StepFacts {
  const { plan, appliance } = input;
  const planName = plan.metadata.name ?? '';
  const applianceName = appliance.metadata.name ?? '';
  // Before the clone VMs exist the appliance has not cut over yet: the clone takes the other slot.
  const activeSlot: Slot = appliance.status?.activeSlot ?? 'blue';
  const toSlot: Slot = input.cloneSlot ?? (activeSlot === 'blue' ? 'green' : 'blue');
  return {
    plan,
    status: input.status,
    appliance,
    namespace: plan.metadata.namespace ?? '',
    now: input.now,
    stepStartedAt: input.stepStartedAt,
    fromSlot: toSlot === 'blue' ? 'green' : 'blue',
    toSlot,
    names: planNames(planName),
    labels: childLabels(applianceName, planName),
    owner: applianceOwner({ name: applianceName, uid: appliance.metadata.uid ?? '' }),
    members: [...appliance.spec.members].sort((a, b) => a.startOrder - b.startOrder),
    settings: input.settings,
    window: input.window,
    ...(input.baseImage === undefined ? {} : { baseImage: input.baseImage }),
  };
}

/** Whether the current step has run longer than the step timeout. */
export function timedOut(facts: Pick<StepFacts, 'now' | 'stepStartedAt' | 'settings'>): boolean {
  return facts.now.getTime() - facts.stepStartedAt.getTime() > facts.settings.stepTimeoutMs;
}
