// The shape of the one-word request commands (abort, suspend, resume, rollback, acknowledge): `WORD [KIND/]NAME`,
// decided by the operator's rules and sent with the object's resourceVersion (send.ts). A refusal
// prints the reason and exits 2; nothing is sent then.
import { Command, type Option } from 'commander';
import { connect, stdoutPalette } from '../context.ts';
import { CliError, EXIT } from '../errors.ts';
import { cliExamples } from '../help.ts';
import type { Action, Decision, RequestOptions, RequestTarget, Versioned } from './decision.ts';
import { sendRequest } from './send.ts';
import { parseTarget } from './targets.ts';

export interface RequestCommandSpec {
  readonly action: Action;
  readonly summary: string;
  readonly description: string;
  readonly examples: readonly (readonly [string, string])[];
  readonly options?: readonly Option[];
  /** The kind a bare NAME names (default: a MaintenancePlan). */
  readonly byDefault?: RequestTarget<Versioned>;
  /** What the NAME argument is, for --help. */
  readonly argument?: string;
  /** Request options from the command's flags. */
  readonly requestOptions?: (flags: Record<string, unknown>) => RequestOptions;
}

export function requestCommand(spec: RequestCommandSpec): Command {
  const cmd = new Command(spec.action)
    .summary(spec.summary)
    .description(spec.description)
    .argument('<name>', spec.argument ?? 'the plan (NAME or plan/NAME), or a rollout (rollout/NAME)');
  for (const o of spec.options ?? []) cmd.addOption(o);
  return cmd
    .addHelpText('after', cliExamples(spec.examples))
    .action(async (arg: string, flags: Record<string, unknown>, self: Command) => {
      const { target, name } = parseTarget(arg, spec.byDefault);
      const cluster = connect(self);
      const { decision } = await sendRequest(
        cluster.client,
        target,
        { namespace: cluster.namespace, name },
        spec.action,
        spec.requestOptions?.(flags) ?? {},
      );
      report(`${target.names[0] ?? ''}/${name}`, decision);
    });
}

/** Prints what became of a request; a refusal becomes an error with exit code 2. */
export function report(what: string, decision: Decision): void {
  if (decision.kind === 'refused')
    throw new CliError(`${what}: refused (${decision.reason}): ${decision.message}`, { exitCode: EXIT.refused });
  const p = stdoutPalette();
  process.stdout.write(
    decision.kind === 'patch'
      ? `${what}: ${decision.message}\n`
      : `${what}: ${p.dim('unchanged')}: ${decision.message}\n`,
  );
}
