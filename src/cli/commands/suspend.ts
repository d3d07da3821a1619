// `kubectl vapp suspend PLAN`: spec.suspend, which holds the plan at its next safe point.
import type { Command } from 'commander';
import { requestCommand } from '../requests/command.ts';

export function suspendCommand(): Command {
  return requestCommand({
    action: 'suspend',
    summary: 'pause a plan at its next step boundary',
    description:
      'Set spec.suspend on a MaintenancePlan: the operator finishes the work it started and stops at the next step boundary before the cut-over. Refused during the cut-over, the observation and a rollback, which run to their end.',
    examples: [['kubectl vapp suspend shop-2026-11', 'pause the plan; `kubectl vapp resume shop-2026-11` goes on']],
  });
}
