// The runner of every working phase: the one step a pass runs (the I/O side of PIPELINE). The type
// makes a phase without a runner a compile error.
import type { ClusterIO } from './cluster-io.ts';
import type { StepFacts } from './facts.ts';
import type { StepOutcome } from './outcome.ts';
import type { WorkingPhase } from './pipeline.ts';
import { admitStep } from './steps/admit.ts';
import { cloneStep } from './steps/clone.ts';
import { cutOverStep } from './steps/cutover.ts';
import { cutOverSlotStep } from './steps/cutover-slot.ts';
import { observeStep } from './steps/observe.ts';
import { approveStep, planStep } from './steps/plan.ts';
import { rollbackStep } from './steps/rollback.ts';
import { snapshotStep } from './steps/snapshot.ts';
import { syncStep } from './steps/sync.ts';
import { updateStep } from './steps/update.ts';
import { verifyStep } from './steps/verify.ts';
import { windowStep } from './steps/window.ts';

/** One pass of a step: what it did is in the outcome (and its record), never in status directly. */
export type Runner = (facts: StepFacts, io: ClusterIO) => Promise<StepOutcome>;

export const RUNNERS = {
  Pending: admitStep,
  Planning: planStep,
  AwaitingApproval: approveStep,
  Snapshotting: snapshotStep,
  Cloning: cloneStep,
  Updating: updateStep,
  Verifying: verifyStep,
  Syncing: syncStep,
  WaitingForWindow: windowStep,
  WaitingForCutOverSlot: cutOverSlotStep,
  CuttingOver: cutOverStep,
  Observing: observeStep,
  RollingBack: rollbackStep,
} as const satisfies Record<WorkingPhase, Runner>;
