// `kubectl vapp abort PLAN` and `abort rollout/NAME`. A plan's spec.abort is honoured before the
// cut-over (the clone is removed and the original keeps serving) and refused from the cut-over on,
// as the operator refuses it; a rollout's spec.abort makes no new plan and aborts the plans that
// have not cut over. Neither can be undone.
import type { Command } from 'commander';
import { requestCommand } from '../requests/command.ts';

export function abortCommand(): Command {
  return requestCommand({
    action: 'abort',
    summary: 'give up a plan before its cut-over, or a whole rollout',
    description:
      'Set spec.abort on a MaintenancePlan: before the cut-over the operator removes the clone and the plan ends Aborted with the original serving; from the cut-over on an abort is refused (the original is stopped already): use rollback. On a MaintenanceRollout (rollout/NAME): no new plan is made and its plans that have not cut over are aborted; finished plans stay as they are. Cannot be undone.',
    examples: [
      ['kubectl vapp abort shop-2026-11', 'abort the plan'],
      ['kubectl vapp abort plan/shop-2026-11 -n shop', 'the same, naming the kind and the namespace'],
      ['kubectl vapp abort rollout/shops-2026-12', 'abort a fleet rollout'],
    ],
  });
}
