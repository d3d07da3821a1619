// `kubectl vapp suspend PLAN` (spec.suspend, which holds the plan at its next safe point) and
// `suspend rollout/NAME` (no new plan and no cut-over slot until resumed).
import type { Command } from 'commander';
import { requestCommand } from '../requests/command.ts';

export function suspendCommand(): Command {
  return requestCommand({
    action: 'suspend',
    summary: 'pause a plan at its next step boundary, or a rollout',
    description:
      'Set spec.suspend on a MaintenancePlan: the operator finishes the work it started and stops at the next step boundary before the cut-over. Refused during the cut-over, the observation and a rollback, which run to their end. On a MaintenanceRollout (rollout/NAME): it makes no new plan and gives no cut-over slot; plans already cutting over finish.',
    examples: [
      ['kubectl vapp suspend shop-2026-11', 'pause the plan; `kubectl vapp resume shop-2026-11` goes on'],
      ['kubectl vapp suspend rollout/shops-2026-12', 'pause a fleet rollout'],
    ],
  });
}
