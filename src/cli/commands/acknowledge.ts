// `kubectl vapp acknowledge ROLLOUT`: raises spec.acknowledgedFailures to status.failures.count, so
// that the failures a person has looked at no longer count against the failure policy and a rollout
// it paused goes on. It may only grow (the API refuses a smaller value), so it is never undone.
import type { Command } from 'commander';
import { requestCommand } from '../requests/command.ts';
import { rolloutTarget } from '../requests/rollout.ts';

export function acknowledgeCommand(): Command {
  return requestCommand({
    action: 'acknowledge',
    summary: "acknowledge a rollout's failures: a rollout they paused goes on",
    description:
      "Raise spec.acknowledgedFailures of a MaintenanceRollout to its status.failures.count: the failures counted so far no longer count against spec.failurePolicy, and a rollout the policy paused goes on. Look at the appliances under 'Needs attention' (kubectl vapp get rollout NAME) first. It may only grow: it cannot be undone.",
    byDefault: rolloutTarget,
    argument: 'the rollout (NAME or rollout/NAME)',
    examples: [
      ['kubectl vapp get rollout shops-2026-12', 'see which appliances failed, and why'],
      ['kubectl vapp acknowledge shops-2026-12', 'acknowledge the failures: the rollout goes on'],
    ],
  });
}
