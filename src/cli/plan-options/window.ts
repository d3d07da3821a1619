// --window "[days] HH:MM-HH:MM [time zone]": spec.window, when the cut-over may happen.
import { Option } from 'commander';
import { WEEKDAYS } from '../../api/v1alpha1/index.ts';
import { CliError } from '../errors.ts';
import type { PlanOption } from './option.ts';

const RANGE = /^([0-2]\d:[0-5]\d)-([0-2]\d:[0-5]\d)$/;

/** "sat,sun 02:00-05:00 Europe/Rome" → {days, startTime, endTime, timeZone}. */
export function parseWindow(value: string): Record<string, unknown> {
  const words = value.trim().split(/\s+/);
  const at = words.findIndex((w) => RANGE.test(w));
  const range = at < 0 ? null : RANGE.exec(words[at] ?? '');
  if (range === null || at > 1 || words.length > at + 2)
    throw new CliError(
      `--window ${value}: must be "[days] HH:MM-HH:MM [time zone]", e.g. --window "sat,sun 02:00-05:00 Europe/Rome"`,
    );
  const window: Record<string, unknown> = { startTime: range[1], endTime: range[2] };
  if (at === 1) {
    const days = (words[0] ?? '').toLowerCase().split(',');
    const unknown = days.filter((d) => !(WEEKDAYS as readonly string[]).includes(d));
    if (unknown.length > 0)
      throw new CliError(`--window ${value}: ${unknown.join(', ')}: days are ${WEEKDAYS.join(', ')} (comma-separated)`);
    window.days = days;
  }
  const zone = words[at + 1];
  if (zone !== undefined) window.timeZone = zone;
  return window;
}

export const windowOption: PlanOption = {
  fields: { window: '--window' },
  options: () => [
    new Option(
      '--window <window>',
      'when the cut-over may happen: "[days] HH:MM-HH:MM [time zone]" (default: any time)',
    ),
  ],
  apply(flags, spec) {
    if (typeof flags.window === 'string') spec.window = parseWindow(flags.window);
  },
};
