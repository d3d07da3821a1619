// The operator as its own process for the benchmarks (`vapp-operator run` under the shipped RBAC's
// ServiceAccount), so that its RSS and CPU are measured alone; with `cpuProfileDir`, Node writes a
// .cpuprofile of it there on exit (open it in Chrome DevTools or speedscope for a flame graph).
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { SandboxCluster } from '../../src/sandbox/cluster.ts';
import { kubeconfigYaml } from '../../src/sandbox/controlplane/kubeconfig.ts';
import { operatorKubeConfig } from '../../src/sandbox/operator.ts';

export interface OperatorProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** http://host:port/metrics */
  readonly metricsUrl: string;
  /** Its kubeconfig (the operator ServiceAccount's), for a restart without installing the RBAC again. */
  readonly kubeconfig: string;
  /** The operator's /metrics as text. */
  scrape(): Promise<string>;
  /** SIGTERM, then waits for the exit (and the profile to be written). */
  stop(): Promise<void>;
}

export async function startOperatorProcess(
  cluster: SandboxCluster,
  opts: {
    /** Watch this namespace only (default: all). */
    readonly namespace?: string;
    readonly cpuProfileDir?: string;
    readonly extraArgs?: readonly string[];
    /** A kubeconfig from an earlier start (default: install the RBAC and write one). */
    readonly kubeconfig?: string;
  },
): Promise<OperatorProcess> {
  const saKubeconfig = opts.kubeconfig ?? `${cluster.dir}/operator.kubeconfig`;
  if (opts.kubeconfig === undefined) {
    const user = (await operatorKubeConfig(cluster)).getCurrentUser();
    await writeFile(
      saKubeconfig,
      kubeconfigYaml({
        server: cluster.server,
        caData: cluster.caData,
        user: user?.name ?? 'operator',
        token: user?.token ?? '',
      }),
    );
  }
  const child = spawn(
    process.execPath,
    [
      ...(opts.cpuProfileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', opts.cpuProfileDir]),
      'src/main.ts',
      'run',
      '--kubeconfig',
      saKubeconfig,
      ...(opts.namespace === undefined ? [] : ['--namespace', opts.namespace]),
      '--no-leader-elect',
      // Port 0: the operator binds a port the kernel picks and logs it, so no other program can take it first.
      '--metrics-bind-address',
      '127.0.0.1:0',
      '--health-probe-bind-address',
      '0',
      '--log-level',
      'info',
      '--log-format',
      'json',
      ...(opts.extraArgs ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const address = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the operator exited (${String(code)}) before serving metrics`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      let entry: { message?: string; address?: string; level?: string } = {};
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        // not a log entry
      }
      if (entry.message === 'serving metrics' && entry.address !== undefined) resolve(entry.address);
      if (entry.level === 'error') console.error(`operator: ${line}`);
    });
  });
  const metricsUrl = `http://${address}/metrics`;
  return {
    child,
    pid: child.pid ?? 0,
    metricsUrl,
    kubeconfig: saKubeconfig,
    scrape: async () => (await fetch(metricsUrl)).text(),
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
