// `kubectl vapp resume PLAN`: spec.suspend back to false.
import type { Command } from 'commander';
import { requestCommand } from '../requests/command.ts';

export function resumeCommand(): Command {
  return requestCommand({
    action: 'resume',
    summary: 'resume a suspended plan where it stopped',
    description: 'Set spec.suspend of a MaintenancePlan back to false: the plan goes on from where it stopped.',
    examples: [['kubectl vapp resume shop-2026-11', 'resume the plan']],
  });
}
