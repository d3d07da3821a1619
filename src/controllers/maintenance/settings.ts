// A plan's settings, read once per pass from its spec and the controller's options: the quantities
// and durations parsed, so that steps work with numbers. Pure.
import type { MaintenancePlanSpec } from '../../api/v1alpha1/index.ts';
import { parseDuration } from '../../runtime/duration.ts';
import { parseQuantity } from '../../runtime/quantity.ts';
import type { MaintenanceOptions } from './options.ts';

export interface PlanSettings {
  /** spec.dataSync.convergedBelow, in bytes. */
  readonly convergedBelowBytes: number;
  /** spec.dataSync.maxRounds. */
  readonly maxRounds: number;
  /** spec.rollback.retainOriginalFor, in milliseconds. */
  readonly retainOriginalMs: number;
  /** spec.rollback.observeSeconds, in milliseconds. */
  readonly observeMs: number;
  /** How long a step may wait for what it started (--step-timeout). */
  readonly stepTimeoutMs: number;
  /** Period of the checks while observing. */
  readonly observeIntervalMs: number;
  readonly datasyncImage: string;
  readonly checkImage: string;
  /** Argo CD's tracking label, '' for none (clones never get it). */
  readonly gitopsTrackingLabel: string;
}

/** Throws a RangeError naming the field when a quantity or duration does not parse (the schema refuses them first). */
export function planSettings(
  spec: MaintenancePlanSpec,
  options: Required<Omit<MaintenanceOptions, 'now'>>,
): PlanSettings {
  return {
    convergedBelowBytes: parseQuantity(spec.dataSync.convergedBelow, 'spec.dataSync.convergedBelow'),
    maxRounds: spec.dataSync.maxRounds,
    retainOriginalMs: parseDuration(spec.rollback.retainOriginalFor, 'spec.rollback.retainOriginalFor'),
    observeMs: spec.rollback.observeSeconds * 1000,
    stepTimeoutMs: options.stepTimeoutMs,
    observeIntervalMs: options.observeIntervalMs,
    datasyncImage: options.datasyncImage,
    checkImage: options.checkImage,
    gitopsTrackingLabel: options.gitopsTrackingLabel,
  };
}
