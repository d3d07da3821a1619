// The shipped Deployment (config/manager): what an operator installs must parse and be safe.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { V1Deployment } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { maintenanceOptions, runCommand, type RunFlags } from '../../../src/operator/run-command.ts';

const MANAGER = path.join(import.meta.dirname, '../../../config/manager/manager.yaml');

async function deployment(): Promise<V1Deployment> {
  const docs = (await readFile(MANAGER, 'utf8'))
    .split(/^---$/m)
    .map((d) => parse(d) as (V1Deployment & { kind?: string }) | null);
  const found = docs.find((d) => d?.kind === 'Deployment');
  assert.ok(found, 'a Deployment in config/manager/manager.yaml');
  return found;
}

/** The container's args, with the $(VAR) references of the downward API filled in. */
function flagsOf(args: readonly string[]): RunFlags {
  const [command, ...rest] = args;
  assert.equal(command, 'run');
  let flags: RunFlags | undefined;
  const cmd = runCommand()
    .exitOverride()
    .configureOutput({ writeErr: () => undefined })
    .action((opts: RunFlags) => {
      flags = opts;
    });
  cmd.parse(
    rest.map((a) => a.replace('$(POD_NAMESPACE)', 'vapp-system')),
    { from: 'user' },
  );
  return flags!;
}

describe('config/manager: the operator Deployment', () => {
  it('runs with flags the operator accepts, and its data-sync Jobs run its own image', async () => {
    const container = (await deployment()).spec?.template.spec?.containers.find((c) => c.name === 'manager');
    assert.ok(container?.image);
    const flags = flagsOf(container.args ?? []);
    assert.equal(flags.leaderElect, true);
    assert.equal(flags.leaderElectionNamespace, 'vapp-system');
    assert.equal(maintenanceOptions(flags).datasyncImage, container.image);
  });

  it('runs as non-root with a read-only root filesystem and no capabilities', async () => {
    const pod = (await deployment()).spec?.template.spec;
    assert.equal(pod?.securityContext?.runAsNonRoot, true);
    for (const c of pod?.containers ?? []) {
      assert.equal(c.securityContext?.readOnlyRootFilesystem, true, c.name);
      assert.equal(c.securityContext?.allowPrivilegeEscalation, false, c.name);
      assert.deepEqual(c.securityContext?.capabilities?.drop, ['ALL'], c.name);
    }
  });
});
