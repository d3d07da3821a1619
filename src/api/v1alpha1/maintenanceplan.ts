// MaintenancePlan: the maintenance descriptor (target levels, approval, window, checks, data sync and
// rollback settings) and the status of one maintenance run.
import { z } from 'zod';
import {
  API_VERSION,
  DNS_LABEL,
  DURATION,
  ObjectMetaSchema,
  conditions,
  count,
  dnsLabel,
  objectName,
  semverLevel,
  timestamp,
} from './meta.ts';
import { PlanBaseImageSchema } from './baseimage.ts';
import { JobTemplateSchema } from './common.ts';
import { atMostOne, cel, immutableFields, setOf, uniqueBy } from './rules.ts';

export const MAINTENANCE_PLAN_KIND = 'MaintenancePlan';
export const MAINTENANCE_PLAN_PLURAL = 'maintenanceplans';
export const MAINTENANCE_PLAN_SINGULAR = 'maintenanceplan';
export const MAINTENANCE_PLAN_SHORT_NAMES = ['mplan', 'mp'] as const;

/** Phases of a MaintenancePlan, in the order a successful run passes through them (then the failure ones). */
export const PHASES = [
  'Pending',
  'Planning',
  'AwaitingApproval',
  'Snapshotting',
  'Cloning',
  'Updating',
  'Verifying',
  'Syncing',
  'WaitingForWindow',
  'WaitingForCutOverSlot',
  'CuttingOver',
  'Observing',
  'Succeeded',
  'Failed',
  'Aborted',
  'RollingBack',
  'RolledBack',
] as const;
export type Phase = (typeof PHASES)[number];
/** Phases after which the plan does no more work. */
export const TERMINAL_PHASES: readonly Phase[] = ['Succeeded', 'Failed', 'Aborted', 'RolledBack'];

export const APPROVAL_MODES = ['Automatic', 'Manual'] as const;
export type ApprovalMode = (typeof APPROVAL_MODES)[number];
export const FAILED_CLONE_POLICIES = ['Delete', 'Retain'] as const;
export type FailedClonePolicy = (typeof FAILED_CLONE_POLICIES)[number];

/** Days of the week as written in spec.window.days. */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const STEP_STATES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Skipped'] as const;

/** What the operator undoes before a failed or aborted plan may end (see status.cleanup). */
export const CLEANUP_ACTIONS = ['RemoveClone', 'RestoreOriginal', 'RestoreClone'] as const;
export type CleanupAction = (typeof CLEANUP_ACTIONS)[number];
/** The phases a cleanup ends in. */
export const CLEANUP_ENDS = ['Failed', 'Aborted'] as const;
export type StepState = (typeof STEP_STATES)[number];

/** Spec fields that may change after a plan is created; every other spec field is immutable. */
export const MUTABLE_PLAN_SPEC_FIELDS = ['approvedHash', 'suspend', 'abort', 'rollbackNow', 'cutOverHold'] as const;

const MAX_TARGETS = 64;
const COMPONENT_REF = new RegExp(`^(${DNS_LABEL.source.slice(1, -1)}/)?${DNS_LABEL.source.slice(1, -1)}$`);
const HH_MM = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;
const TIME_ZONE = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;
/** A non-negative Kubernetes quantity such as 64Mi, 1G or 500000 (resource.Quantity without sign). */
const QUANTITY =
  /^\+?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;

export const TargetSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(127)
      .regex(COMPONENT_REF, { error: 'must be a component name (postgres) or member/component (db/postgres)' })
      .describe(
        'The component to bring to the level: its name, or member/name when several members run a component of that name.',
      ),
    level: semverLevel('Target level (semver) of the component.'),
  })
  .describe('A target level for one component.');
export type Target = z.infer<typeof TargetSchema>;

const TIME_ZONE_MESSAGE = 'spec.window.timeZone must be an IANA time zone name such as Europe/Rome or UTC';

function isKnownTimeZone(tz: string): boolean {
  if (tz === 'Local') return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const WindowSchema = cel(
  z
    .object({
      days: setOf(
        z.array(z.enum(WEEKDAYS).describe('A day of the week: mon, tue, wed, thu, fri, sat or sun.')).min(1).max(7),
        'spec.window.days',
      )
        .default([...WEEKDAYS])
        .describe('Days on which the window opens (in timeZone); every day when omitted.'),
      startTime: z
        .string()
        .regex(HH_MM, { error: 'must be a time HH:MM, 00:00 to 23:59' })
        .describe('Time of day (HH:MM, 24-hour, in timeZone) when the window opens.'),
      endTime: z
        .string()
        .regex(HH_MM, { error: 'must be a time HH:MM, 00:00 to 23:59' })
        .describe(
          'Time of day (HH:MM, 24-hour, in timeZone) when the window closes; earlier than startTime means the window ends the next day.',
        ),
      timeZone: cel(
        z
          .string()
          .min(1)
          .max(64)
          .regex(TIME_ZONE, { error: TIME_ZONE_MESSAGE })
          .refine(isKnownTimeZone, { error: TIME_ZONE_MESSAGE })
          .default('UTC')
          .describe('IANA time zone of startTime and endTime, e.g. Europe/Rome.'),
        // timestamp.getHours(tz) fails on a zone that the API server does not know; the API server
        // then refuses the object with this rule's message and the evaluation error.
        {
          rule: `self != 'Local' && timestamp('2000-01-01T00:00:00Z').getHours(self) >= 0`,
          message: TIME_ZONE_MESSAGE,
        },
      ),
    })
    .refine((w) => w.startTime !== w.endTime, {
      error: 'spec.window.endTime must differ from spec.window.startTime',
      path: ['endTime'],
    })
    .describe(
      'When the appliance is modifiable: gates only the cut-over; snapshot, clone, update, verify and pre-copy run at any time. No window: any time.',
    ),
  {
    rule: 'self.startTime != self.endTime',
    message: 'spec.window.endTime must differ from spec.window.startTime',
    fieldPath: '.endTime',
  },
);
export type MaintenanceWindow = z.infer<typeof WindowSchema>;

export const HttpGetCheckSchema = z
  .object({
    service: dnsLabel(
      "Service (one of the appliance's spec.services) to check; the check goes to its <service>-preview twin that selects the new slot.",
    ),
    path: z
      .string()
      .min(1)
      .max(1024)
      .regex(/^\//, { error: 'must start with /' })
      .default('/')
      .describe('HTTP path to GET; a 2xx or 3xx answer passes.'),
    port: z.int().min(1).max(65535).describe('Service port to connect to.'),
  })
  .describe('An HTTP GET against the preview Service.');

export const VerifySchema = atMostOne(
  z
    .object({
      timeoutSeconds: z
        .int()
        .min(1)
        .max(86400)
        .default(900)
        .describe('How long the clone may take to become ready and pass the checks.'),
      httpGet: HttpGetCheckSchema.optional(),
      job: z
        .object({ template: JobTemplateSchema })
        .optional()
        .describe('A Job run against the updated clone; the check passes when the Job succeeds.'),
    })
    .describe('Checks that the updated clone must pass, besides every VM being Ready: at most one of httpGet, job.'),
  ['httpGet', 'job'],
  'spec.verify',
);
export type Verify = z.infer<typeof VerifySchema>;

export const QuantitySchema = z
  .union([
    z.int().min(0),
    z.string().max(64).regex(QUANTITY, { error: 'must be a non-negative quantity such as 64Mi or 1G' }),
  ])
  .describe('A non-negative Kubernetes quantity such as 64Mi.');

export const DataSyncSchema = z
  .object({
    maxRounds: z
      .int()
      .min(1)
      .max(20)
      .default(5)
      .describe('Most pre-copy rounds before the cut-over; the final delta is copied during the cut-over.'),
    convergedBelow: QuantitySchema.default('64Mi').describe(
      'Pre-copy stops once a round copied less than this many bytes (a quantity such as 64Mi).',
    ),
    downtimeBudgetSeconds: z
      .int()
      .min(1)
      .max(86400)
      .default(60)
      .describe(
        'Downtime the cut-over must stay within, in seconds. After each pre-copy round the downtime is projected from what the rounds measured (status.projection); pre-copy goes on while the projection exceeds the budget and still shrinks, and a plan whose projection cannot fit fails (DowntimeBudgetExceeded) without ever stopping the original. The measured downtime is in status.downtimeSeconds.',
      ),
  })
  .describe('Pre-copy of the data volumes while the original serves.');
export type DataSync = z.infer<typeof DataSyncSchema>;

export const RollbackSchema = z
  .object({
    automatic: z
      .boolean()
      .default(true)
      .describe('Roll back when a check fails during observeSeconds after the cut-over.'),
    observeSeconds: z
      .int()
      .min(0)
      .max(604800)
      .default(600)
      .describe('How long to keep checking the appliance after the cut-over.'),
    retainOriginalFor: z
      .string()
      .max(32)
      .regex(DURATION, { error: 'must be a duration such as 24h, 90m or 1h30m' })
      .default('24h')
      .describe(
        'How long the stopped original VMs are kept for a rollback before they are deleted (a duration such as 24h or 90m). Deleting the plan releases them at once; their PVCs are always kept.',
      ),
  })
  .describe('Observation after the cut-over, rollback and release of the original.');
export type Rollback = z.infer<typeof RollbackSchema>;

const IMMUTABLE_HINT =
  'only approvedHash, suspend, abort, rollbackNow and cutOverHold may change after a MaintenancePlan is created; create a new plan instead';

const PlanSpecObject = z
  .object({
    appliance: objectName('Name of the VirtualAppliance (same namespace) to maintain.'),
    components: uniqueBy(
      z
        .array(TargetSchema)
        .max(MAX_TARGETS)
        .describe(
          'Target levels. Components already at their target are left alone. May be empty when spec.baseImage is set.',
        ),
      'name',
      'spec.components[].name',
    ).default([]),
    baseImage: PlanBaseImageSchema.optional(),
    allowDowngrade: z
      .boolean()
      .default(false)
      .describe('Allow targets below the current level; otherwise such a plan fails in planning.'),
    approval: z
      .enum(APPROVAL_MODES)
      .default('Automatic')
      .describe('Automatic: proceed after planning. Manual: wait until spec.approvedHash equals status.preview.hash.'),
    approvedHash: z
      .string()
      .max(128)
      .optional()
      .describe(
        'With approval Manual: the status.preview.hash being approved; an approval approves exactly what was previewed.',
      ),
    window: WindowSchema.optional(),
    verify: VerifySchema.prefault({}),
    dataSync: DataSyncSchema.prefault({}),
    rollback: RollbackSchema.prefault({}),
    failedClonePolicy: z
      .enum(FAILED_CLONE_POLICIES)
      .default('Delete')
      .describe(
        'What becomes of the clone when a step fails (the original serves again either way). Delete: remove it. Retain: keep its VMs, volumes and snapshots for inspection, isolated by its NetworkPolicy and reachable through the <service>-preview Services; the appliance stays locked until the plan is deleted, which removes them. An abort always deletes the clone.',
      ),
    suspend: z.boolean().default(false).describe('Pause at the next safe point; set back to false to resume.'),
    cutOverHold: z
      .boolean()
      .default(false)
      .describe(
        'Prepare (snapshot, clone, update, verify, pre-copy) but wait before the cut-over, in phase WaitingForCutOverSlot, until this is false. A MaintenanceRollout creates its plans held and sets it to false when the plan gets one of its cut-over slots (spec.maxCuttingOver).',
      ),
    abort: z
      .boolean()
      .default(false)
      .describe(
        'Give up before the cut-over: leave the original serving and clean up the clone (from the cut-over on, use rollbackNow). Cannot be undone.',
      ),
    rollbackNow: z
      .boolean()
      .default(false)
      .describe(
        'Roll back to the original once the clone serves: while Observing, or after the plan ended (Succeeded, or Failed after the cut-over) as long as the original is retained (rollback.retainOriginalFor). The writes the clone accepted are synced back first. Cannot be undone.',
      ),
  })
  .describe(
    'The maintenance to perform. Only approvedHash, suspend, abort, rollbackNow and cutOverHold may change after creation.',
  );

const IMMUTABLE_PLAN_SPEC_FIELDS = Object.keys(PlanSpecObject.shape).filter(
  (f) => !(MUTABLE_PLAN_SPEC_FIELDS as readonly string[]).includes(f),
);

const TARGETS_RULE = 'spec.components must name at least one component unless spec.baseImage is set';

export const MaintenancePlanSpecSchema = cel(
  immutableFields(PlanSpecObject, IMMUTABLE_PLAN_SPEC_FIELDS, 'spec', IMMUTABLE_HINT).superRefine((spec, ctx) => {
    if (spec.components.length === 0 && spec.baseImage === undefined)
      ctx.addIssue({ code: 'custom', path: ['components'], message: TARGETS_RULE });
  }),
  {
    rule: 'self.components.size() > 0 || has(self.baseImage)',
    message: TARGETS_RULE,
    fieldPath: '.components',
    reason: 'FieldValueRequired',
  },
  {
    rule: '!oldSelf.abort || self.abort',
    message: 'spec.abort cannot be set back to false once a plan is aborted',
    fieldPath: '.abort',
    reason: 'FieldValueForbidden',
  },
  {
    rule: '!oldSelf.rollbackNow || self.rollbackNow',
    message: 'spec.rollbackNow cannot be set back to false once a rollback is requested',
    fieldPath: '.rollbackNow',
    reason: 'FieldValueForbidden',
  },
);
export type MaintenancePlanSpec = z.infer<typeof MaintenancePlanSpecSchema>;
export type MaintenancePlanSpecInput = z.input<typeof MaintenancePlanSpecSchema>;

export const ComponentUpdateSchema = z
  .object({
    member: dnsLabel('Member running the component.'),
    component: dnsLabel('Name of the component.'),
    from: z.string().max(256).describe('Current level.'),
    to: z.string().max(256).describe('Target level.'),
  })
  .describe('A component that the plan updates.');
export type ComponentUpdate = z.infer<typeof ComponentUpdateSchema>;

export const UnchangedComponentSchema = z
  .object({
    member: dnsLabel('Member running the component.'),
    component: dnsLabel('Name of the component.'),
    level: z.string().max(256).describe('Current level, which already satisfies the target.'),
  })
  .describe('A targeted component that is already at its target level.');
export type UnchangedComponent = z.infer<typeof UnchangedComponentSchema>;

export const RebaseSchema = z
  .object({
    member: dnsLabel('Member whose root disk is rebased.'),
    image: z.string().max(128).describe('The BaseImage, <namespace>/<name>.'),
    volume: dnsLabel('The root volume that gets the new version.'),
    from: z.string().max(256).describe('The version the member runs now.'),
    to: z.string().max(256).describe('The target version.'),
    fromDisplay: z.string().max(128).optional().describe('The current version, for people.'),
    toDisplay: z.string().max(128).optional().describe('The target version, for people.'),
    downgrade: z.boolean().optional().describe('The target is older than the current version (allowDowngrade).'),
  })
  .describe('A member whose root disk the plan rebases onto another version of its BaseImage.');
export type Rebase = z.infer<typeof RebaseSchema>;

export const BaseUnchangedSchema = z
  .object({
    member: dnsLabel('Member already on the target version.'),
    image: z.string().max(128).describe('The BaseImage, <namespace>/<name>.'),
    version: z.string().max(256).describe('The version it runs, which is the target.'),
  })
  .describe('A member the plan would rebase that already runs the target version.');
export type BaseUnchanged = z.infer<typeof BaseUnchangedSchema>;

export const PreviewSchema = z
  .object({
    hash: z
      .string()
      .max(128)
      .describe(
        'Hash of updates, unchanged, rebases and baseUnchanged; set spec.approvedHash to it to approve a Manual plan.',
      ),
    updates: z
      .array(ComponentUpdateSchema)
      .max(MAX_TARGETS * 4)
      .default([])
      .describe('Components that will be updated, with their current and target levels.'),
    unchanged: z
      .array(UnchangedComponentSchema)
      .max(MAX_TARGETS * 4)
      .default([])
      .describe('Targeted components that are already at their target level.'),
    rebases: z
      .array(RebaseSchema)
      .max(16)
      .optional()
      .describe('Members whose root disk is rebased onto the target version of spec.baseImage.'),
    baseUnchanged: z
      .array(BaseUnchangedSchema)
      .max(16)
      .optional()
      .describe('Members of spec.baseImage that already run its target version.'),
    estimatedDowntimeSeconds: count('Projected downtime of the cut-over, in seconds.').optional(),
    warnings: z
      .array(z.string().max(1024))
      .max(64)
      .default([])
      .describe(
        'What the plan can do only in part, e.g. a member whose VM has no readinessProbe (ready then means QEMU started, not that the guest serves). Not covered by the hash.',
      ),
  })
  .describe("What the plan will change, computed in planning from the appliance's live levels.");
export type Preview = z.infer<typeof PreviewSchema>;

export const StepSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(63)
      .describe('Name of the step, e.g. Snapshot, Clone, Update, Verify, Sync, CutOver, Observe, Release.'),
    state: z.enum(STEP_STATES).describe('State of the step: Pending, Running, Succeeded, Failed or Skipped.'),
    startedAt: timestamp('When the step started.').optional(),
    finishedAt: timestamp('When the step finished.').optional(),
    message: z.string().max(4096).optional().describe('What the step is doing or why it failed.'),
    progress: z.string().max(64).optional().describe('Progress within the step, e.g. 2/3 VMs.'),
  })
  .describe('One step of the maintenance.');
export type Step = z.infer<typeof StepSchema>;

export const SyncRoundSchema = z
  .object({
    round: z.int().min(1).describe('Round number, from 1; the final round runs during the cut-over.'),
    bytes: count('Bytes written to the replicas in this round.'),
    seconds: z.number().min(0).describe('Duration of the round in seconds.'),
    finishedAt: timestamp("When the round was recorded (the operator's clock).").optional(),
    bytesRead: count('Bytes the round read, source and target together (compare mode reads both whole).').optional(),
    bytesWritten: count('Bytes the round wrote to its targets (the same as bytes).').optional(),
    rangesSource: z
      .enum(['CSI', 'Compare'])
      .optional()
      .describe(
        'Where the changed ranges came from: CSI (SnapshotMetadata GetMetadataDelta) for every volume, or Compare (both sides read and compared) for at least one.',
      ),
    rangesFallback: z
      .string()
      .max(1024)
      .optional()
      .describe(
        'Why a volume of the round compared instead of asking its CSI driver for changed blocks, e.g. "NoService: the CSI driver x has no SnapshotMetadataService", "BaseGone: ...", "Refused: GetMetadataDelta: UNAUTHENTICATED: ...".',
      ),
  })
  .describe('One round of data delta sync.');
export type SyncRound = z.infer<typeof SyncRoundSchema>;

export const DowntimeProjectionSchema = z
  .object({
    seconds: z.number().min(0).describe('Projected downtime of the cut-over: stop + final delta + start, in seconds.'),
    stopSeconds: z.number().min(0).describe('Stopping the originals (not measured before the cut-over: an estimate).'),
    finalDeltaSeconds: z
      .number()
      .min(0)
      .describe("The final delta: what the last round read and wrote, at the rounds' measured rate."),
    startSeconds: z.number().min(0).describe('Starting the clone to ready, over its start-order groups.'),
    startMeasured: z
      .boolean()
      .describe("Whether startSeconds was measured on the clone's own start (or is the default per group)."),
    roundFixedSeconds: z
      .number()
      .min(0)
      .describe("A pre-copy round's fixed cost (snapshot, restore, worker start), fitted from the rounds."),
    bytesPerSecond: count("The rounds' measured rate: bytes read and written per second."),
    budgetSeconds: z.int().min(1).describe('spec.dataSync.downtimeBudgetSeconds.'),
    fromRound: z.int().min(1).describe('The round the projection was made after.'),
  })
  .describe('The downtime the cut-over is projected to take, from what the pre-copy rounds measured.');
export type DowntimeProjection = z.infer<typeof DowntimeProjectionSchema>;

const part = (what: string) => z.number().min(0).describe(`${what}, in seconds.`);

export const DowntimeBreakdownSchema = z
  .object({
    stopOriginal: part('From asking the originals to stop to every original stopped'),
    finalDelta: part('The final delta: the warm workers given their go to every replica written and checked'),
    startClone: part('From the final delta to every clone VM instance running (replicas in place, VMs started)'),
    ready: part('From the clone VM instances running to every clone VM ready'),
    switchServices: part('From the clone ready to every Service selecting it'),
  })
  .describe('Where the measured downtime went (the parts add up to status.downtimeSeconds).');
export type DowntimeBreakdown = z.infer<typeof DowntimeBreakdownSchema>;

export const CutOverStatusSchema = z
  .object({
    originalStoppedAt: timestamp('When the operator stopped the original VMs: the start of the downtime.').optional(),
    finalRound: z
      .int()
      .min(1)
      .optional()
      .describe('The sync round that copied the final delta while the original was stopped.'),
    finalSnapshotAt: timestamp(
      'The point in time the final delta carried over: when every original had stopped (the final round reads their volumes directly). Every write the original made before it is on the clone.',
    ).optional(),
    originalsDownAt: timestamp('When every original VM had stopped: the final delta may be read.').optional(),
    finalDeltaAt: timestamp('When the final delta was on every replica (written and checked).').optional(),
    cloneReadyAt: timestamp('When every clone VM was ready.').optional(),
    servicesSwitchedAt: timestamp('When every Service selected the new slot: the end of the downtime.').optional(),
    downtime: DowntimeBreakdownSchema.optional(),
  })
  .describe('Progress of the cut-over, kept so that a restarted operator resumes it where it was.');
export type CutOverStatus = z.infer<typeof CutOverStatusSchema>;

export const RollbackStatusSchema = z
  .object({
    cloneStoppedAt: timestamp("When the operator stopped the clone: the start of the rollback's downtime.").optional(),
    bytes: count("Bytes the clone wrote after the cut-over, synced back into the original's data volumes.").optional(),
    servicesSwitchedAt: timestamp("When every Service selected the original's slot again.").optional(),
    downtimeSeconds: z
      .number()
      .min(0)
      .optional()
      .describe('Downtime of the rollback: clone stopped to Services on the ready original, in seconds.'),
  })
  .describe('Progress of a rollback after the cut-over.');
export type RollbackStatus = z.infer<typeof RollbackStatusSchema>;

export const CleanupStatusSchema = z
  .object({
    action: z
      .enum(CLEANUP_ACTIONS)
      .describe(
        'What is being undone. RemoveClone: delete the clone and everything the plan made (the original never stopped). RestoreOriginal: point the Services back at the original, restart it, then remove the clone (a failed cut-over). RestoreClone: a rollback failed before the Services moved back: the clone, which holds every write, serves again and the original stays retained.',
      ),
    then: z.enum(CLEANUP_ENDS).describe('The phase the plan enters once the undo is done: Failed or Aborted.'),
    reason: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/)
      .describe('Why (CamelCase): the reason the plan ends with.'),
    message: z.string().max(4096).describe('What failed, or that an abort was asked for.'),
    startedAt: timestamp('When the undo started.'),
  })
  .describe(
    'The undo under way before the plan ends Failed or Aborted; absent otherwise. A restarted operator resumes it from here.',
  );
export type CleanupStatus = z.infer<typeof CleanupStatusSchema>;

export const MaintenancePlanStatusSchema = z
  .object({
    observedGeneration: count('The .metadata.generation that this status describes.').optional(),
    phase: z
      .enum(PHASES)
      .optional()
      .describe(`Where the maintenance is: ${PHASES.join(', ')}.`),
    progress: z
      .string()
      .max(16)
      .regex(/^[0-9]+\/[0-9]+$/)
      .optional()
      .describe('Finished steps out of all steps, e.g. 3/8 (for kubectl get).'),
    preview: PreviewSchema.optional(),
    steps: z.array(StepSchema).max(32).default([]).describe('The steps of the maintenance and their state.'),
    syncRounds: z.array(SyncRoundSchema).max(64).default([]).describe('Rounds of data delta sync so far.'),
    cloneUIDs: z
      .array(z.string().min(1).max(64))
      .max(64)
      .optional()
      .describe(
        'UIDs of the VirtualMachineClones this plan made. The claims KubeVirt restores for a clone have no owner and name only its restore (restore.kubevirt.io/name=tmp-restore-<uid>): by these the plan finds and removes them, even once the clones are gone.',
      ),
    projection: DowntimeProjectionSchema.optional(),
    cutOver: CutOverStatusSchema.optional(),
    rollback: RollbackStatusSchema.optional(),
    cleanup: CleanupStatusSchema.optional(),
    downtimeSeconds: z
      .number()
      .min(0)
      .optional()
      .describe('Measured downtime: from stopping the original to the Services selecting the ready clone, in seconds.'),
    nextWindowStart: timestamp('When the next maintenance window opens, while waiting for it.').optional(),
    conditions: conditions(
      'Ready, Reconciling and Stalled (kstatus) plus Approved, Cloned, Updated, Verified, DataSynced, CutOver and RolledBack.',
    ).default([]),
  })
  .describe('The observed state of the maintenance, written by the operator.');
export type MaintenancePlanStatus = z.infer<typeof MaintenancePlanStatusSchema>;

export const MaintenancePlanSchema = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal(MAINTENANCE_PLAN_KIND),
  metadata: ObjectMetaSchema,
  spec: MaintenancePlanSpecSchema,
  status: MaintenancePlanStatusSchema.optional(),
});
export type MaintenancePlan = z.infer<typeof MaintenancePlanSchema>;
export type MaintenancePlanInput = z.input<typeof MaintenancePlanSchema>;
