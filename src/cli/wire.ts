// The objects the plugin reads, as they arrive from the API server: the API's own types (inferred
// from the zod schemas in src/api/v1alpha1, the single source of truth) with every field optional,
// because raw JSON may lack anything (a plan without status yet, a status written by an older or a
// newer operator). The plugin never parses with the schemas: they strip fields they do not know,
// and the plugin shows fields that later operator versions add (FutureStatus) when they are there.
import type {
  Condition,
  MaintenancePlan,
  MaintenanceRollout,
  SyncRound,
  VirtualAppliance,
  Step,
  Preview,
} from '../api/v1alpha1/index.ts';
import type { VirtualMachine, VirtualMachineInstance } from '../kubevirt/types.ts';

/** T as raw JSON: every field may be missing (maps such as labels and metadata are taken as they are). */
export type Wire<T> = T extends readonly (infer U)[]
  ? readonly Wire<U>[]
  : T extends object
    ? string extends keyof T
      ? T
      : { readonly [K in keyof T]?: Wire<T[K]> }
    : T;

export type WireSyncRound = Wire<SyncRound>;
export type WireStep = Wire<Step>;
export type WireCondition = Wire<Condition>;
export type WirePreview = Wire<Preview>;

type PlanStatus = NonNullable<MaintenancePlan['status']>;
export type WirePlanStatus = Wire<PlanStatus>;

export type WirePlan = Omit<Wire<MaintenancePlan>, 'status'> & { readonly status?: WirePlanStatus };
export type WireAppliance = Wire<VirtualAppliance>;
export type WireRollout = Wire<MaintenanceRollout>;
export type WireVm = VirtualMachine;
export type WireVmi = VirtualMachineInstance;

/** A core v1 Event, the parts the plugin shows. */
export interface WireEvent {
  readonly metadata?: { readonly name?: string; readonly namespace?: string; readonly creationTimestamp?: string };
  readonly involvedObject?: { readonly kind?: string; readonly name?: string; readonly uid?: string };
  readonly type?: string;
  readonly reason?: string;
  readonly message?: string;
  readonly count?: number;
  readonly firstTimestamp?: string | null;
  readonly lastTimestamp?: string | null;
  readonly eventTime?: string | null;
  readonly series?: { readonly lastObservedTime?: string; readonly count?: number };
}

/** A core v1 Service, the parts the plugin shows. */
export interface WireService {
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
  readonly spec?: { readonly selector?: Readonly<Record<string, string>> };
}

/** When an Event last happened, as ms since the epoch (0 when it says nothing). */
export function eventTime(e: WireEvent): number {
  const at =
    e.series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp;
  return at ? Date.parse(at) : 0;
}
