// `kubectl vapp abort PLAN`: spec.abort, honoured before the cut-over (the clone is removed and the
// original keeps serving); refused from the cut-over on, as the operator refuses it.
import type { Command } from 'commander';
import { requestCommand } from '../requests/command.ts';

export function abortCommand(): Command {
  return requestCommand({
    action: 'abort',
    summary: 'give up a plan before its cut-over: the clone goes, the original keeps serving',
    description:
      'Set spec.abort on a MaintenancePlan. Before the cut-over the operator removes the clone and the plan ends Aborted with the original serving. From the cut-over on an abort is refused (the original is stopped already): use rollback. Cannot be undone.',
    examples: [
      ['kubectl vapp abort shop-2026-11', 'abort the plan'],
      ['kubectl vapp abort plan/shop-2026-11 -n shop', 'the same, naming the kind and the namespace'],
    ],
  });
}
