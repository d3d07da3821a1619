// MaintenanceRollout: one object that updates many VirtualAppliances of its namespace, each through
// its own MaintenancePlan, a few at a time (maxInFlight clones, maxCuttingOver cut-overs), each
// appliance in its own window, canary waves first, and that pauses when too many of them fail.
import { z } from 'zod';
import { API_VERSION, ObjectMetaSchema, conditions, count, dnsLabel, duration, objectName, timestamp } from './meta.ts';
import { BaseImageRefSchema, versionId } from './baseimage.ts';
import {
  APPROVAL_MODES,
  DataSyncSchema,
  FAILED_CLONE_POLICIES,
  PHASES,
  RollbackSchema,
  TargetSchema,
  VerifySchema,
  WindowSchema,
} from './maintenanceplan.ts';
import { cel, setOf, uniqueBy } from './rules.ts';

export const MAINTENANCE_ROLLOUT_KIND = 'MaintenanceRollout';
export const MAINTENANCE_ROLLOUT_PLURAL = 'maintenancerollouts';
export const MAINTENANCE_ROLLOUT_SINGULAR = 'maintenancerollout';
export const MAINTENANCE_ROLLOUT_SHORT_NAMES = ['mroll'] as const;

/** Label on every plan a rollout makes: the rollout's name. */
export const LABEL_ROLLOUT = 'vapp.dev/rollout';
/** Label on every plan a rollout makes: the rollout's revision (status.revision) it was made for. */
export const LABEL_ROLLOUT_REVISION = 'vapp.dev/rollout-revision';
/** Label on every plan a rollout makes: the wave the appliance belongs to. */
export const LABEL_WAVE = 'vapp.dev/wave';
/** Annotation on a VirtualAppliance naming one of a rollout's spec.windows: it wins over the selectors. */
export const ANNOTATION_WINDOW = 'vapp.dev/window';
/** Annotation on a VirtualAppliance: rollouts leave it alone; the value says why. */
export const ANNOTATION_HOLD = 'vapp.dev/hold';
/** Label on a VirtualAppliance ordering it inside its wave (ascending integers; absent: last). */
export const LABEL_ROLLOUT_PRIORITY = 'vapp.dev/rollout-priority';
/**
 * The finalizer on every rollout: its deletion aborts the plans that have not cut over (they would
 * wait for a slot nobody gives) and leaves every other plan, and every appliance, as it is.
 */
export const ROLLOUT_FINALIZER = 'vapp.dev/rollout-cleanup';
/** The wave of the appliances no wave selects. */
export const DEFAULT_WAVE = 'default';

export const ROLLOUT_PHASES = [
  'Progressing',
  'WaitingForWindow',
  'AwaitingApproval',
  'Soaking',
  'Paused',
  'Suspended',
  'Completed',
  'Aborted',
] as const;
export type RolloutPhase = (typeof ROLLOUT_PHASES)[number];
export const WAVE_STATES = ['Pending', 'AwaitingApproval', 'Progressing', 'Soaking', 'Completed'] as const;
export type WaveState = (typeof WAVE_STATES)[number];
export const FAILURE_ACTIONS = ['Pause', 'RollBackWave', 'Continue'] as const;
export type FailureAction = (typeof FAILURE_ACTIONS)[number];
export const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;
/** Why an appliance is in status.needsAttention. */
export const ATTENTION_REASONS = [
  'Failed',
  'RolledBack',
  'Aborted',
  'Held',
  'Locked',
  'InvalidWindow',
  'CannotRollBack',
] as const;
export type AttentionReason = (typeof ATTENTION_REASONS)[number];

const MAX_WAVES = 8;
const MAX_WINDOWS = 16;
const MAX_IN_FLIGHT = 64;
export const MAX_ATTENTION = 50;
const COUNT_OR_PERCENT = /^(100|[1-9]?[0-9])%$/;

/** An integer, or a percentage of the selected appliances such as 20% (rounded up, at least 1 when not 0%). */
export function countOrPercent(description: string) {
  return z
    .union([
      z.int().min(0).max(10_000),
      z.string().regex(COUNT_OR_PERCENT, { error: 'must be a percentage 0% to 100%' }),
    ])
    .describe(description);
}

export const LabelSelectorSchema = z
  .object({
    matchLabels: z
      .record(z.string().max(317), z.string().max(63))
      .optional()
      .describe('Labels the VirtualAppliance must have, with these values.'),
    matchExpressions: z
      .array(
        z
          .object({
            key: z.string().min(1).max(317).describe('The label key.'),
            operator: z.enum(SELECTOR_OPERATORS).describe('In, NotIn, Exists or DoesNotExist.'),
            values: z
              .array(z.string().max(63).describe('A label value.'))
              .max(64)
              .default([])
              .describe('The values for In and NotIn; empty for Exists and DoesNotExist.'),
          })
          .describe('A label requirement.'),
      )
      .max(16)
      .optional()
      .describe('Label requirements, all of which must hold.'),
  })
  .describe('A label selector (metav1.LabelSelector) over the VirtualAppliances of the namespace; {} selects all.');
export type LabelSelector = z.infer<typeof LabelSelectorSchema>;

const TARGET_RULE = 'spec.target must name at least one component or a baseImage';

export const RolloutTargetSchema = cel(
  z
    .object({
      components: uniqueBy(
        z
          .array(TargetSchema)
          .max(64)
          .describe('Target levels; an appliance whose components are all at these levels is up to date.'),
        'name',
        'spec.target.components[].name',
      ).default([]),
      baseImage: z
        .object({
          ref: BaseImageRefSchema,
          version: versionId(
            "A pinned version of the BaseImage. When omitted the rollout follows the BaseImage's status.latest: each new latest is a new revision.",
          ).optional(),
        })
        .optional()
        .describe('Rebase the members made from this BaseImage onto a version of it.'),
    })
    .superRefine((t, ctx) => {
      if (t.components.length === 0 && t.baseImage === undefined)
        ctx.addIssue({ code: 'custom', path: ['components'], message: TARGET_RULE });
    })
    .describe('What every selected appliance should reach: component levels and/or a BaseImage version.'),
  { rule: 'self.components.size() > 0 || has(self.baseImage)', message: TARGET_RULE, fieldPath: '.components' },
);
export type RolloutTarget = z.infer<typeof RolloutTargetSchema>;

export const WaveSchema = z
  .object({
    name: dnsLabel(
      `Name of the wave (the ${LABEL_WAVE} label of its plans); "${DEFAULT_WAVE}" is the last, implicit wave.`,
    ),
    selector: LabelSelectorSchema,
    limit: countOrPercent(
      'At most this many of the appliances the selector matches (a count, or a percentage of them), in the rollout order; the others fall through to later waves.',
    ).optional(),
    soak: duration('How long to wait after the last plan of the wave succeeded before the next wave starts.').default(
      '0s',
    ),
    approval: z
      .enum(APPROVAL_MODES)
      .default('Automatic')
      .describe('Manual: the wave starts only once spec.approvedWaves names it.'),
  })
  .describe('A wave: the appliances it selects are updated (and soaked) before those of the later waves.');
export type Wave = z.infer<typeof WaveSchema>;

export const RolloutWindowSchema = z
  .object({
    name: dnsLabel(`Name of the window; a VirtualAppliance's ${ANNOTATION_WINDOW} annotation may name it.`),
    selector: LabelSelectorSchema,
    window: WindowSchema,
  })
  .describe('The window of the appliances a selector matches.');
export type RolloutWindow = z.infer<typeof RolloutWindowSchema>;

export const FailurePolicySchema = z
  .object({
    maxFailures: z
      .int()
      .min(0)
      .max(10_000)
      .default(0)
      .describe(
        'Plans of the current revision that may end Failed or RolledBack (beyond spec.acknowledgedFailures) before the action is taken; 0: the first failure. A plan rolled back on request (its spec.rollbackNow, e.g. by RollBackWave) is no failure.',
      ),
    maxConsecutiveFailures: z
      .int()
      .min(1)
      .max(10_000)
      .optional()
      .describe('Plans in a row (by the time they ended) that may fail before the action is taken.'),
    countAborted: z.boolean().default(false).describe('Count plans that ended Aborted as failures.'),
    action: z
      .enum(FAILURE_ACTIONS)
      .default('Pause')
      .describe(
        'Pause: start no new plan and give no cut-over slot until the failures are acknowledged. RollBackWave: pause, and roll back (spec.rollbackNow) every plan of the waves with a failure that cut over while its original is still retained; those whose original is gone are listed in status.needsAttention (CannotRollBack). Continue: report the failures and go on.',
      ),
  })
  .describe('How many failures the rollout tolerates, and what it does beyond.');
export type FailurePolicy = z.infer<typeof FailurePolicySchema>;

export const PlanTemplateSchema = z
  .object({
    approval: z
      .enum(APPROVAL_MODES)
      .default('Automatic')
      .describe("The plans' spec.approval: Manual lets each appliance's owner approve its own preview."),
    allowDowngrade: z.boolean().default(false).describe("The plans' spec.allowDowngrade."),
    verify: VerifySchema.prefault({}),
    dataSync: DataSyncSchema.prefault({}),
    rollback: RollbackSchema.prefault({}),
    failedClonePolicy: z.enum(FAILED_CLONE_POLICIES).default('Delete').describe("The plans' spec.failedClonePolicy."),
  })
  .describe('The settings of the MaintenancePlans the rollout makes (the rollout sets appliance, targets and window).');
export type PlanTemplate = z.infer<typeof PlanTemplateSchema>;

const ACK_RULE = 'spec.acknowledgedFailures may only grow';
const DEFAULT_WAVE_RULE = `spec.waves[].name must not be "${DEFAULT_WAVE}": it is the wave of the appliances no wave selects`;
const ABORT_RULE = 'spec.abort cannot be set back to false once a rollout is aborted';

export const MaintenanceRolloutSpecSchema = cel(
  z
    .object({
      target: RolloutTargetSchema,
      selector: LabelSelectorSchema.prefault({}),
      waves: uniqueBy(
        z
          .array(
            WaveSchema.refine((w) => w.name !== DEFAULT_WAVE, {
              error: DEFAULT_WAVE_RULE,
              path: ['name'],
            }),
          )
          .max(MAX_WAVES)
          .describe(
            `Waves in order; an appliance belongs to the first wave that selects it (within its limit), else to the wave "${DEFAULT_WAVE}", which comes last.`,
          ),
        'name',
        'spec.waves[].name',
      ).default([]),
      approvedWaves: setOf(
        z.array(dnsLabel('A wave with approval Manual that may start.')).max(MAX_WAVES),
        'spec.approvedWaves',
      )
        .default([])
        .describe('The waves with approval Manual that may start.'),
      maxInFlight: z
        .int()
        .min(1)
        .max(MAX_IN_FLIGHT)
        .default(1)
        .describe(
          'Plans of the rollout that may be unfinished at once: each holds a clone of its appliance (capacity) from its snapshot to its end.',
        ),
      maxCuttingOver: z
        .int()
        .min(1)
        .max(MAX_IN_FLIGHT)
        .default(1)
        .describe(
          'Plans that may hold a cut-over slot at once: from the slot (cutting over, observing, rolling back) to their end. The disruptive part.',
        ),
      maxUnavailable: countOrPercent(
        'Selected appliances that may be unavailable (not Ready, or cutting over) at once: no new cut-over slot is given that would exceed it.',
      ).default(1),
      windows: uniqueBy(
        z
          .array(RolloutWindowSchema)
          .max(MAX_WINDOWS)
          .describe(
            `Windows per group of appliances. An appliance's ${ANNOTATION_WINDOW} annotation names one; otherwise the first whose selector matches; otherwise defaultWindow.`,
          ),
        'name',
        'spec.windows[].name',
      ).default([]),
      defaultWindow: WindowSchema.optional().describe(
        'The window of the appliances no window selects; no window (any time) when omitted.',
      ),
      prepareAhead: duration(
        'A plan is made (and prepares: snapshot, clone, update, verify, pre-copy) at most this long before its window opens.',
      ).default('1h'),
      failurePolicy: FailurePolicySchema.prefault({}),
      acknowledgedFailures: z
        .int()
        .min(0)
        .max(10_000)
        .default(0)
        .describe(
          'Failures a person has looked at: they no longer count against failurePolicy. Raise it (to status.failures.count) to resume a paused rollout; it may only grow.',
        ),
      plan: PlanTemplateSchema.prefault({}),
      suspend: z
        .boolean()
        .default(false)
        .describe('Make no new plan and give no cut-over slot; plans already cutting over finish. False resumes.'),
      abort: z
        .boolean()
        .default(false)
        .describe(
          'Give up: make no new plan and abort the plans that have not cut over; finished plans stay as they are. Cannot be undone.',
        ),
    })
    .describe(
      'Which appliances to update to what, in which order, how many at a time, when, and what to do on failures.',
    ),
  {
    rule: 'self.acknowledgedFailures >= oldSelf.acknowledgedFailures',
    message: ACK_RULE,
    fieldPath: '.acknowledgedFailures',
    reason: 'FieldValueForbidden',
  },
  { rule: '!oldSelf.abort || self.abort', message: ABORT_RULE, fieldPath: '.abort', reason: 'FieldValueForbidden' },
  {
    rule: `self.waves.all(w, w.name != '${DEFAULT_WAVE}')`,
    message: DEFAULT_WAVE_RULE,
    fieldPath: '.waves',
  },
);
export type MaintenanceRolloutSpec = z.infer<typeof MaintenanceRolloutSpecSchema>;
export type MaintenanceRolloutSpecInput = z.input<typeof MaintenanceRolloutSpecSchema>;

export const RolloutCountsSchema = z
  .object({
    selected: count('Appliances the selector matches.').default(0),
    upToDate: count('Selected appliances at the target.').default(0),
    pending: count('Selected appliances behind the target without a plan of this revision yet.').default(0),
    inFlight: count('Plans of this revision not finished.').default(0),
    waitingForSlot: count('Plans prepared and waiting for a cut-over slot.').default(0),
    waitingForWindow: count("Appliances (planned or not) waiting for their window's opening.").default(0),
    cuttingOver: count('Plans holding a cut-over slot.').default(0),
    failed: count('Plans of this revision that ended Failed.').default(0),
    rolledBack: count('Plans of this revision that ended RolledBack.').default(0),
    held: count(`Appliances a person holds (${ANNOTATION_HOLD}) or another plan locks.`).default(0),
    unavailable: count('Selected appliances not Ready.').default(0),
  })
  .describe('Where the selected appliances are.');
export type RolloutCounts = z.infer<typeof RolloutCountsSchema>;

export const WaveStatusSchema = z
  .object({
    name: dnsLabel('The wave.'),
    state: z.enum(WAVE_STATES).describe(`Where the wave is: ${WAVE_STATES.join(', ')}.`),
    appliances: count('Appliances in the wave.'),
    upToDate: count('Of them, at the target.'),
    soakUntil: timestamp('While soaking: when the next wave may start.').optional(),
    completedAt: timestamp('When the last plan of the wave ended.').optional(),
  })
  .describe('The state of one wave.');
export type WaveStatus = z.infer<typeof WaveStatusSchema>;

export const InFlightPlanSchema = z
  .object({
    appliance: objectName('The appliance.'),
    plan: objectName('Its MaintenancePlan.'),
    phase: z.enum(PHASES).optional().describe("The plan's phase (absent until the plan reports one)."),
    wave: dnsLabel('The wave of the appliance.'),
    cutOverSlot: z.boolean().default(false).describe('Whether the plan holds a cut-over slot.'),
  })
  .describe('A plan of the rollout that has not finished.');
export type InFlightPlan = z.infer<typeof InFlightPlanSchema>;

export const AttentionSchema = z
  .object({
    appliance: objectName('The appliance.'),
    plan: objectName('Its MaintenancePlan, when it has one.').optional(),
    reason: z.enum(ATTENTION_REASONS).describe(`Why: ${ATTENTION_REASONS.join(', ')}.`),
    message: z.string().max(1024).describe('What happened, in a sentence.'),
    since: timestamp('Since when.').optional(),
  })
  .describe('An appliance a person should look at.');
export type Attention = z.infer<typeof AttentionSchema>;

export const FailuresStatusSchema = z
  .object({
    count: count('Plans of this revision that count as failed.').default(0),
    acknowledged: count('Of them, acknowledged (spec.acknowledgedFailures, at most count).').default(0),
    consecutive: count('Failed plans in a row, by the time they ended.').default(0),
    allowed: count('spec.failurePolicy.maxFailures.').default(0),
    exceeded: z.boolean().default(false).describe('Whether the budget is spent (the failure policy acts).'),
  })
  .describe('The failure budget and how much of it is used.');
export type FailuresStatus = z.infer<typeof FailuresStatusSchema>;

export const ResolvedTargetSchema = z
  .object({
    components: z.array(TargetSchema).max(64).default([]).describe('Target levels.'),
    baseImage: z
      .object({
        image: z.string().max(128).describe('The BaseImage, <namespace>/<name>.'),
        version: versionId('The concrete version of this revision.'),
        displayVersion: z.string().max(128).optional().describe('Its name for people.'),
      })
      .optional()
      .describe('The BaseImage version of this revision (the latest when it was resolved, or the pinned one).'),
  })
  .describe('The concrete target of the current revision.');
export type ResolvedTarget = z.infer<typeof ResolvedTargetSchema>;

export const MaintenanceRolloutStatusSchema = z
  .object({
    observedGeneration: count('The .metadata.generation that this status describes.').optional(),
    revision: count('The revision: it grows each time the concrete target changes (a new latest included).').default(0),
    targetHash: z.string().max(64).optional().describe('Hash of the concrete target of the revision.'),
    target: ResolvedTargetSchema.optional(),
    phase: z
      .enum(ROLLOUT_PHASES)
      .optional()
      .describe(`Where the rollout is: ${ROLLOUT_PHASES.join(', ')}.`),
    progress: z
      .string()
      .max(128)
      .optional()
      .describe('Progress at a glance (for kubectl get), e.g. "4/6 up to date, 1 in flight".'),
    counts: RolloutCountsSchema.prefault({}),
    waves: z
      .array(WaveStatusSchema)
      .max(MAX_WAVES + 1)
      .default([])
      .describe('Each wave, in order.'),
    currentWave: dnsLabel('The first wave not completed.').optional(),
    inFlight: z
      .array(InFlightPlanSchema)
      .max(MAX_IN_FLIGHT)
      .default([])
      .describe('The plans of the rollout that have not finished.'),
    needsAttention: z
      .array(AttentionSchema)
      .max(MAX_ATTENTION)
      .default([])
      .describe(`What a person should look at, newest first (at most ${String(MAX_ATTENTION)}).`),
    failures: FailuresStatusSchema.prefault({}),
    nextWindowStart: timestamp('When the next window of an appliance waiting for one opens.').optional(),
    conditions: conditions(
      'Ready, Reconciling and Stalled (kstatus) plus Paused, AwaitingApproval and WaitingForWindow (healthy waits).',
    ).default([]),
  })
  .describe('The progress of the rollout, written by the operator.');
export type MaintenanceRolloutStatus = z.infer<typeof MaintenanceRolloutStatusSchema>;

export const MaintenanceRolloutSchema = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal(MAINTENANCE_ROLLOUT_KIND),
  metadata: ObjectMetaSchema,
  spec: MaintenanceRolloutSpecSchema,
  status: MaintenanceRolloutStatusSchema.optional(),
});
export type MaintenanceRollout = z.infer<typeof MaintenanceRolloutSchema>;
export type MaintenanceRolloutInput = z.input<typeof MaintenanceRolloutSchema>;
