// `kubectl vapp rollback PLAN`: spec.rollbackNow, once the clone serves and while the original is
// retained; before the cut-over it is refused (abort is the way back then) unless --deferred.
import { Option, type Command } from 'commander';
import { requestCommand } from '../requests/command.ts';

export function rollbackCommand(): Command {
  return requestCommand({
    action: 'rollback',
    summary: 'go back to the original after the cut-over',
    description:
      'Set spec.rollbackNow on a MaintenancePlan: while observing, or after the plan ended (Succeeded, or Failed after the cut-over) as long as the original is retained, the operator syncs the writes the clone accepted back into the original and moves the Services back. Refused when there is nothing to roll back to; before the cut-over it is refused too (abort stops the plan with the original serving), unless --deferred asks for a rollback as soon as the clone serves. Cannot be undone.',
    options: [new Option('--deferred', 'before or during the cut-over: roll back as soon as the clone serves')],
    requestOptions: (flags) => (flags.deferred === true ? { deferred: true } : {}),
    examples: [
      ['kubectl vapp rollback shop-2026-11', 'roll back to the retained original'],
      ['kubectl vapp rollback shop-2026-11 --deferred', 'during the cut-over: roll back once the clone serves'],
    ],
  });
}
