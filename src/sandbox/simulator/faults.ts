// Fault injection. Every fault has a name, an annotation that turns it on for one object, and a
// parser; the simulator's options can force faults on objects that cannot be annotated (a clone
// created by the operator, say). Later parts add fields here (snapshot failure, clone failure,
// update Job failure, sync failure, slow steps) without changing the call sites.
import { SIM_ANNOTATIONS } from './annotations.ts';

/** The faults and slow-downs that apply to one VM. */
export interface VmFaults {
  /** The VM never becomes ready: its launcher Pod runs but never passes readiness. */
  readonly neverReady: boolean;
  /** Running → Ready delay for this VM, when set (else the simulator's `readyDelayMs`). */
  readonly readyDelayMs?: number;
}

/** Any object with metadata (a VM, later a snapshot or a clone). */
export interface Annotated {
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly annotations?: Readonly<Record<string, string>>;
  };
}

/** Options hook: extra faults for an object, merged over the ones its annotations ask for. */
export type FaultOverrides = (obj: Annotated) => Partial<VmFaults> | undefined;

/** Reads the VM's fault annotations, then applies `overrides`. Malformed values are ignored. */
export function vmFaults(vm: Annotated, overrides?: FaultOverrides): VmFaults {
  const annotations = vm.metadata?.annotations ?? {};
  const delay = parseMillis(annotations[SIM_ANNOTATIONS.readyDelayMs]);
  const fromAnnotations: VmFaults = {
    neverReady: annotations[SIM_ANNOTATIONS.neverReady] === 'true',
    ...(delay !== undefined ? { readyDelayMs: delay } : {}),
  };
  return { ...fromAnnotations, ...overrides?.(vm) };
}

function parseMillis(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}
