import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { maintenanceOptions, managerOptions, runCommand, type RunFlags } from '../../../src/operator/run-command.ts';

/** Parses flags without running the operator. */
function parse(args: string[]): RunFlags {
  const cmd = runCommand()
    .exitOverride()
    .configureOutput({ writeErr: () => undefined });
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
    const f = parse([
      '--namespace',
      'a',
      '--namespace',
      'b',
      '--leader-elect',
      '--leader-election-id',
      'lock',
      '--workers',
      '4',
      '--log-format',
      'json',
    ]);
    assert.deepEqual(f.namespace, ['a', 'b']);
    assert.equal(f.logFormat, 'json');
    const o = managerOptions(f, () => 'vapp-system', undefined);
    assert.deepEqual(o.leaderElection, {
      id: 'lock',
      namespace: 'vapp-system',
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
    });
    assert.match(
      managerOptions(f, () => 'vapp-system', 'vapp-operator-7d9f-abcde').leaderElection?.identity ?? '',
      /^vapp-operator-7d9f-abcde_[0-9a-f-]{36}$/,
      'the Lease names the Pod',
    );
    assert.deepEqual(o.namespaces, ['a', 'b']);
    assert.equal(o.workers, 4);
    assert.equal(
      managerOptions({ ...f, leaderElectionNamespace: 'ops' }, undefined, undefined).leaderElection?.namespace,
      'ops',
    );
    assert.equal(managerOptions(f, () => undefined, undefined).leaderElection?.namespace, 'default');
    assert.equal(parse(['--leader-elect', '--no-leader-elect']).leaderElect, false);
    assert.deepEqual(
      [f.leaderElectionLeaseDuration, f.leaderElectionRenewDeadline, f.leaderElectionRetryPeriod],
      [15_000, 10_000, 2_000],
    );
    const fast = parse([
      '--leader-elect',
      '--leader-election-lease-duration',
      '4s',
      '--leader-election-renew-deadline',
      '2500ms',
      '--leader-election-retry-period',
      '500ms',
    ]);
    assert.deepEqual(managerOptions(fast, () => 'ns', undefined).leaderElection, {
      id: 'vapp-operator.vapp.dev',
      namespace: 'ns',
      leaseDurationMs: 4_000,
      renewDeadlineMs: 2_500,
      retryPeriodMs: 500,
    });
  });

  it('passes the images, the step timeout and the GitOps tracking label to the MaintenancePlan controller', () => {
    assert.deepEqual(maintenanceOptions(parse([])), {
      datasyncImage: 'ghcr.io/vapp-dev/vapp-operator:v0.1.0',
      checkImage: 'docker.io/curlimages/curl:8.11.1',
      stepTimeoutMs: 900_000,
      gitopsTrackingLabel: 'app.kubernetes.io/instance',
    });
    const f = parse([
      '--datasync-image',
      'registry.internal/vapp-operator:v0.1.0',
      '--check-image',
      'registry.internal/curl:8',
      '--step-timeout',
      '1h',
      '--gitops-tracking-label',
      '',
    ]);
    assert.deepEqual(maintenanceOptions(f), {
      datasyncImage: 'registry.internal/vapp-operator:v0.1.0',
      checkImage: 'registry.internal/curl:8',
      stepTimeoutMs: 3_600_000,
      gitopsTrackingLabel: '',
    });
  });

  it('rejects bad values', () => {
    assert.throws(() => parse(['--step-timeout', '0s']));
    assert.throws(() => parse(['--workers', '0']));
    assert.throws(() => parse(['--log-level', 'loud']));
  });
});
