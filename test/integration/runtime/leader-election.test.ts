import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { CoordinationV1Api, CoreV1Api } from '@kubernetes/client-node';
import { startTestCluster, type TestCluster } from '../../support/cluster.ts';
import { waitFor } from '../../support/wait.ts';
import { uniqueName } from './helpers.ts';

const FIXTURE = new URL('./fixtures/candidate.ts', import.meta.url).pathname;
const LEASE_MS = 4000;
const RETRY_MS = 500;

interface Candidate {
  readonly identity: string;
  readonly child: ChildProcess;
  readonly metrics: string;
  readonly exited: Promise<number | null>;
}

/** One value of a metric from a candidate's /metrics. */
async function scrape(c: Candidate, pattern: RegExp): Promise<number | undefined> {
  try {
    const text = await (await fetch(`http://${c.metrics}/metrics`)).text();
    const m = pattern.exec(text);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined; // process gone
  }
}

const isMaster = async (c: Candidate): Promise<boolean> =>
  (await scrape(c, /^leader_election_master_status\{name="candidates"\} (\d+)$/m)) === 1;

describe('leader election between processes', () => {
  let cluster: TestCluster;
  let namespace: string;
  const children: ChildProcess[] = [];

  before(async () => {
    cluster = await startTestCluster();
    namespace = uniqueName('election');
    await cluster.kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await cluster.stop();
  });

  async function spawnCandidate(identity: string): Promise<Candidate> {
    const child = spawn(process.execPath, [FIXTURE, cluster.kubeconfigPath, identity, namespace], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    const exited = once(child, 'exit').then(([code]) => code as number | null);
    const [line] = (await once(createInterface(child.stdout), 'line')) as [string];
    const { metrics } = JSON.parse(line) as { metrics: string };
    return { identity, child, metrics, exited };
  }

  async function holder(): Promise<string | undefined> {
    const lease = await cluster.kubeConfig
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ name: 'candidates', namespace });
    return lease.spec?.holderIdentity ?? undefined;
  }

  it('elects exactly one leader, fails over after SIGKILL within the lease, and hands over at once on SIGTERM', async () => {
    const [a, b] = await Promise.all([spawnCandidate('a'), spawnCandidate('b')]);
    const leader = await waitFor(
      async () => {
        const [ma, mb] = [await isMaster(a), await isMaster(b)];
        if (ma === mb) return undefined;
        return ma ? a : b;
      },
      { what: 'exactly one leader' },
    );
    const follower = leader === a ? b : a;
    assert.equal(await holder(), leader.identity, 'the Lease names the leader');
    // Only the leader runs controllers.
    await waitFor(
      async () =>
        ((await scrape(leader, /^controller_runtime_reconcile_total\{controller="echo",result="success"\} (\d+)$/m)) ??
          0) > 0,
      { what: 'leader reconciles' },
    );
    assert.equal(
      await scrape(follower, /^controller_runtime_reconcile_total\{controller="echo",result="success"\} (\d+)$/m),
      undefined,
    );
    assert.equal(await isMaster(follower), false);

    // Crash: the follower takes over once the lease has expired.
    const killedAt = Date.now();
    leader.child.kill('SIGKILL');
    await waitFor(() => isMaster(follower), { what: 'takeover after SIGKILL', timeoutMs: 20_000, intervalMs: 20 });
    const failover = Date.now() - killedAt;
    assert.equal(await holder(), follower.identity);
    // Expiry counts from when the follower last saw the lease change (at most one retry period
    // before the kill), and it notices within one more retry period.
    assert.ok(failover <= LEASE_MS + 2 * RETRY_MS + 500, `failover took ${failover} ms`);

    // Graceful stop: the lease is released, the next candidate takes over without waiting for expiry.
    const c = await spawnCandidate('c');
    await waitFor(async () => (await holder()) === follower.identity && !(await isMaster(c)), {
      what: 'c waiting as follower',
    });
    const stoppedAt = Date.now();
    follower.child.kill('SIGTERM');
    assert.equal(await follower.exited, 0, 'graceful exit code');
    await waitFor(() => isMaster(c), { what: 'takeover after release', timeoutMs: 10_000, intervalMs: 20 });
    const handover = Date.now() - stoppedAt;
    assert.equal(await holder(), 'c');
    assert.ok(handover < LEASE_MS / 2, `handover took ${handover} ms, expected well under the ${LEASE_MS} ms lease`);
    c.child.kill('SIGTERM');
    assert.equal(await c.exited, 0);
  });
});
