// What the rollout's scheduler decides from: the rollout, the appliances of its namespace and the
// plans it made (found by their vapp.dev/rollout label), reduced to the fields it reads. Everything
// here is derived from objects that exist, so a restarted operator decides the same.
import type { MaintenanceRollout, MaintenanceWindow, Phase, Target } from '../../api/v1alpha1/index.ts';
import type { ApplianceStanding } from './target.ts';

export interface RolloutAppliance {
  readonly name: string;
  readonly uid: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  /** The appliance's Ready condition is True. */
  readonly ready: boolean;
  /** status.activePlan: the plan holding the appliance's lock. */
  readonly activePlan?: string;
  readonly standing: ApplianceStanding;
}

export interface RolloutPlan {
  readonly name: string;
  readonly appliance: string;
  readonly revision: number;
  readonly wave: string;
  /** Absent until the plan reports a phase (or while the operator's cache has not seen it yet). */
  readonly phase?: Phase;
  readonly cutOverHold: boolean;
  readonly abort: boolean;
  readonly window?: MaintenanceWindow;
  /** When a finished plan ended (its Ready condition's last transition). */
  readonly endedAt?: Date;
  /** The plan's Ready message. */
  readonly message?: string;
  /** spec.rollbackNow: a rollback was requested (by a person, or by the rollout's RollBackWave). */
  readonly rollbackNow?: boolean;
  /** The plan cut over and its stopped original is still retained: it can still roll back. */
  readonly originalRetained?: boolean;
}

export interface ScheduleInput {
  readonly rollout: MaintenanceRollout;
  /** The revision the plans are made for (status.revision, already persisted). */
  readonly revision: number;
  /** The component targets of the revision; each appliance's plan gets those it runs. */
  readonly components: readonly Target[];
  readonly appliances: readonly RolloutAppliance[];
  /** Every plan labelled with the rollout, of every revision. */
  readonly plans: readonly RolloutPlan[];
  readonly now: Date;
}
