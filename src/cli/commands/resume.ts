// `kubectl vapp resume PLAN` and `resume rollout/NAME`: spec.suspend back to false.
import type { Command } from 'commander';
import { requestCommand } from '../requests/command.ts';

export function resumeCommand(): Command {
  return requestCommand({
    action: 'resume',
    summary: 'resume a suspended plan or rollout where it stopped',
    description:
      'Set spec.suspend of a MaintenancePlan or a MaintenanceRollout (rollout/NAME) back to false: it goes on from where it stopped. A rollout paused by its failure policy is not suspended: `kubectl vapp acknowledge` resumes it.',
    examples: [
      ['kubectl vapp resume shop-2026-11', 'resume the plan'],
      ['kubectl vapp resume rollout/shops-2026-12', 'resume a suspended fleet rollout'],
    ],
  });
}
