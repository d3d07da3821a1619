// --observe-seconds, --retain-original-for: spec.rollback, how long the updated appliance is
// observed after the cut-over and how long the original is kept for a rollback.
import { Option } from 'commander';
import { CliError } from '../errors.ts';
import type { PlanOption } from './option.ts';

export const rollbackOption: PlanOption = {
  fields: { 'rollback.observeSeconds': '--observe-seconds', 'rollback.retainOriginalFor': '--retain-original-for' },
  options: () => [
    new Option('--observe-seconds <seconds>', 'how long to observe the appliance after the cut-over (default 600)'),
    new Option(
      '--retain-original-for <duration>',
      'how long to keep the original for a rollback, e.g. 24h (default 24h)',
    ),
  ],
  apply(flags, spec) {
    const rollback: Record<string, unknown> = {};
    if (typeof flags.observeSeconds === 'string') {
      const n = Number(flags.observeSeconds);
      if (!Number.isInteger(n) || n < 0)
        throw new CliError(`--observe-seconds ${flags.observeSeconds}: must be a whole number of seconds`);
      rollback.observeSeconds = n;
    }
    if (typeof flags.retainOriginalFor === 'string') rollback.retainOriginalFor = flags.retainOriginalFor;
    if (Object.keys(rollback).length > 0) spec.rollback = rollback;
  },
};
