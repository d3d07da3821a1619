import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { managerOptions, runCommand, type RunFlags } from '../../../src/operator/run-command.ts';

/** Parses flags without running the operator. */
function parse(args: string[]): RunFlags {
  const cmd = runCommand().exitOverride().configureOutput({ writeErr: () => undefined });
  let flags: RunFlags | undefined;
  cmd.action((opts: RunFlags) => {
    flags = opts;
  });
  cmd.parse(args, { from: 'user' });
  return flags!;
}

describe('run command', () => {
  it('has controller-runtime style defaults', () => {
    const f = parse([]);
    assert.deepEqual(f.namespace, []);
    assert.equal(f.leaderElect, false);
    assert.equal(f.metricsBindAddress, ':8080');
    assert.equal(f.healthProbeBindAddress, ':8081');
    assert.equal(f.logLevel, 'info');
    assert.equal(f.workers, 2);
    assert.equal(managerOptions(f).leaderElection, undefined);
  });

  it('accepts repeated namespaces and leader election flags', () => {
    const f = parse(['--namespace', 'a', '--namespace', 'b', '--leader-elect', '--leader-election-id', 'lock', '--workers', '4', '--log-format', 'json']);
    assert.deepEqual(f.namespace, ['a', 'b']);
    assert.equal(f.logFormat, 'json');
    const o = managerOptions(f, () => 'vapp-system');
    assert.deepEqual(o.leaderElection, { id: 'lock', namespace: 'vapp-system' });
    assert.deepEqual(o.namespaces, ['a', 'b']);
    assert.equal(o.workers, 4);
    assert.equal(managerOptions({ ...f, leaderElectionNamespace: 'ops' }).leaderElection?.namespace, 'ops');
    assert.equal(managerOptions(f, () => undefined).leaderElection?.namespace, 'default');
    assert.equal(parse(['--leader-elect', '--no-leader-elect']).leaderElect, false);
  });

  it('rejects bad values', () => {
    assert.throws(() => parse(['--workers', '0']));
    assert.throws(() => parse(['--log-level', 'loud']));
  });
});
