// The operator as its own process (`vapp-operator run`), as a Deployment runs it: under the shipped
// RBAC, with leader election in vapp-system. For the tests that kill it.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OPERATOR_NAMESPACE, operatorKubeConfig } from '../../src/sandbox/operator.ts';
import { startSimulator, type Simulator } from '../../src/sandbox/simulator/index.ts';
import { startTestCluster, type TestCluster } from './cluster.ts';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/main.ts');

/** Writes the operator ServiceAccount's kubeconfig into `dir`; returns its path. */
export async function writeOperatorKubeconfig(cluster: TestCluster, dir: string): Promise<string> {
  const file = path.join(dir, 'operator.kubeconfig');
  await writeFile(file, (await operatorKubeConfig(cluster)).exportConfig());
  return file;
}

export interface OperatorProcessOptions {
  readonly kubeconfig: string;
  /** POD_NAME: the Lease holder's name starts with it. */
  readonly podName?: string;
  /** VAPP_FAILPOINTS: where the process kills itself (src/runtime/failpoints.ts). */
  readonly failpoints?: string;
}

export function startOperatorProcess(o: OperatorProcessOptions): ChildProcess {
  return spawn(
    process.execPath,
    [
      MAIN,
      'run',
      '--kubeconfig',
      o.kubeconfig,
      '--leader-elect',
      '--leader-election-namespace',
      OPERATOR_NAMESPACE,
      // Short leases: a successor takes over seconds after a kill.
      '--leader-election-lease-duration',
      '4s',
      '--leader-election-renew-deadline',
      '3s',
      '--leader-election-retry-period',
      '500ms',
      '--metrics-bind-address',
      '0',
      '--health-probe-bind-address',
      '0',
      '--log-level',
      'error',
    ],
    { stdio: 'ignore', env: { ...process.env, POD_NAME: o.podName ?? '', VAPP_FAILPOINTS: o.failpoints ?? '' } },
  );
}

export function hasExited(p: ChildProcess): boolean {
  return p.exitCode !== null || p.signalCode !== null;
}

/** SIGKILL, as a lost node: no lease handover, no cleanup. Resolves once the process is gone. */
export async function killOperator(p: ChildProcess): Promise<void> {
  if (hasExited(p)) return;
  const exited = once(p, 'exit');
  p.kill('SIGKILL');
  await exited;
}

/**
 * The sandbox of the crash tests: a cluster, a simulator with slow steps (every phase lasts long
 * enough to be killed in) and the operator processes the test starts, SIGKILLs and starts again.
 */
export interface CrashSandbox {
  readonly cluster: TestCluster;
  readonly simulator: Simulator;
  readonly volumesDir: string;
  /** The operator ServiceAccount's kubeconfig. */
  readonly kubeconfig: string;
  /** Starts an operator process (killed by stop() if the test did not). */
  start(podName: string, failpoints?: string): ChildProcess;
  /** Kills every operator process, stops the simulator and the cluster, removes the volumes. */
  stop(): Promise<void>;
}

export async function startCrashSandbox(): Promise<CrashSandbox> {
  const cluster = await startTestCluster();
  const volumesDir = await mkdtemp(path.join(tmpdir(), 'vapp-volumes-'));
  const simulator = await startSimulator({
    kubeConfig: cluster.kubeConfig,
    readyDelayMs: 200,
    volumesDir,
    stepDelayMs: 300,
  });
  const kubeconfig = await writeOperatorKubeconfig(cluster, volumesDir);
  const operators: ChildProcess[] = [];
  return {
    cluster,
    simulator,
    volumesDir,
    kubeconfig,
    start(podName, failpoints) {
      const p = startOperatorProcess({ kubeconfig, podName, ...(failpoints ? { failpoints } : {}) });
      operators.push(p);
      return p;
    },
    async stop() {
      await Promise.all(operators.map(killOperator));
      await simulator.stop();
      await cluster.stop();
      await rm(volumesDir, { recursive: true, force: true });
    },
  };
}

/** An operator process that serves /metrics on a port the kernel picked (read from its JSON log). */
export interface OperatorWithMetrics {
  readonly process: ChildProcess;
  readonly metricsUrl: string;
}

export async function startOperatorProcessWithMetrics(o: OperatorProcessOptions): Promise<OperatorWithMetrics> {
  const child = spawn(
    process.execPath,
    [
      MAIN,
      'run',
      '--kubeconfig',
      o.kubeconfig,
      '--leader-elect',
      '--leader-election-namespace',
      OPERATOR_NAMESPACE,
      '--metrics-bind-address',
      '127.0.0.1:0',
      '--health-probe-bind-address',
      '0',
      '--log-level',
      'info',
      '--log-format',
      'json',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, POD_NAME: o.podName ?? '' } },
  );
  const address = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the operator exited (${String(code)}) before serving metrics`)));
    // Every line is read, so that the pipe never fills and blocks the operator.
    createInterface({ input: child.stdout }).on('line', (line) => {
      let entry: { message?: string; address?: string } = {};
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        return;
      }
      if (entry.message === 'serving metrics' && entry.address !== undefined) resolve(entry.address);
    });
  });
  return { process: child, metricsUrl: `http://${address}/metrics` };
}
