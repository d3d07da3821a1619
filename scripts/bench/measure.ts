// What the benchmarks measure besides wall time: request counters in Prometheus text (the API
// server's apiserver_request_total, the operator's and the simulator's rest_client_requests_total),
// diffed between two scrapes, and the CPU seconds of the processes of the sandbox.
import { readdir, readFile } from 'node:fs/promises';

/** One sample of a Prometheus text exposition. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Parses Prometheus text format (comments skipped; no escaping beyond `\"` in label values). */
export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1] ?? ''] = (l[2] ?? '').replace(/\\"/g, '"');
    samples.push({ name: m[1] ?? '', labels, value: Number(m[4]) });
  }
  return samples;
}

/** Sums the samples of `metric` by the key `keyOf` makes of their labels (undefined: skipped). */
export function sumBy(
  samples: readonly Sample[],
  metric: string,
  keyOf: (labels: Readonly<Record<string, string>>) => string | undefined,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) {
    if (s.name !== metric) continue;
    const key = keyOf(s.labels);
    if (key !== undefined) out.set(key, (out.get(key) ?? 0) + s.value);
  }
  return out;
}

/** after − before, keys with no change left out, sorted by count. */
export function diff(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): [string, number][] {
  return [...after]
    .map(([k, v]): [string, number] => [k, v - (before.get(k) ?? 0)])
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1]);
}

const WRITE_VERBS = new Set(['POST', 'PUT', 'PATCH', 'APPLY', 'DELETE', 'DELETECOLLECTION', 'CREATE', 'UPDATE']);

/** True for a verb that writes (API server verbs and HTTP methods alike). */
export function isWrite(verb: string): boolean {
  return WRITE_VERBS.has(verb.toUpperCase());
}

/** apiserver_request_total by `VERB resource[/subresource]` (watches and their long-running counts included). */
export function apiServerRequests(samples: readonly Sample[]): Map<string, number> {
  return sumBy(samples, 'apiserver_request_total', (l) => {
    const resource = `${l.resource ?? ''}${l.group ? `.${l.group}` : ''}${l.subresource ? `/${l.subresource}` : ''}`;
    return resource === '' ? undefined : `${l.verb ?? ''} ${resource}`;
  });
}

/** rest_client_requests_total (this runtime's) by `METHOD resource`. */
export function clientRequests(samples: readonly Sample[]): Map<string, number> {
  return sumBy(samples, 'rest_client_requests_total', (l) => `${l.method ?? ''} ${l.resource ?? ''}`);
}

/** Resources the control plane writes for itself (leader election Leases, the `kubernetes` Service's Endpoints). */
export const CONTROL_PLANE_OWN = ['leases.coordination.k8s.io', 'endpoints'];

/** The API server's write requests by `VERB resource`, the control plane's own bookkeeping aside. */
export function apiServerWrites(samples: readonly Sample[]): Map<string, number> {
  return new Map(
    [...apiServerRequests(samples)].filter(
      ([k]) => isWrite(k.split(' ')[0] ?? '') && !CONTROL_PLANE_OWN.includes(k.split(' ')[1] ?? ''),
    ),
  );
}

/** The API server's write requests now (its `/metrics`), as {@link apiServerWrites} counts them. */
export async function apiServerWriteCounts(rest: {
  requestText(path: string): Promise<string>;
}): Promise<Map<string, number>> {
  return apiServerWrites(parsePrometheus(await rest.requestText('/metrics')));
}

/**
 * A check for a wait loop: true once a look finds no write since the previous look (the simulator
 * and the operator are done). Each call is one look; poll it at an interval of a second or so.
 */
export function writesStopped(look: () => Promise<ReadonlyMap<string, number>>): () => Promise<boolean> {
  let last: ReadonlyMap<string, number> | undefined;
  return async () => {
    const now = await look();
    const moved = last === undefined || diff(last, now).length > 0;
    last = now;
    return !moved;
  };
}

/**
 * Whether an operator (its /metrics samples) has reconciled `controller` at least `count` times
 * and is idle: its queue empty and no worker busy.
 */
export function reconciledAndIdle(samples: readonly Sample[], controller: string, count: number): boolean {
  const done = sumBy(samples, 'controller_runtime_reconcile_total', (l) => l.controller).get(controller) ?? 0;
  const depth = sumBy(samples, 'workqueue_depth', (l) => l.name).get(controller) ?? 1;
  const active = sumBy(samples, 'controller_runtime_active_workers', (l) => l.controller).get(controller);
  return done >= count && depth === 0 && active === 0;
}

/** Sum of the counts of write requests. */
export function writes(counts: Iterable<[string, number]>): number {
  let n = 0;
  for (const [k, v] of counts) if (isWrite(k.split(' ')[0] ?? '')) n += v;
  return n;
}

/** Prints counts as aligned lines, at most `limit`. */
export function printCounts(title: string, counts: readonly [string, number][], limit = 25): void {
  console.log(title);
  for (const [k, v] of counts.slice(0, limit)) console.log(`  ${String(v).padStart(8)}  ${k}`);
  if (counts.length > limit) console.log(`  ... ${String(counts.length - limit)} more`);
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** CPU seconds (user + system) of a process, from /proc/<pid>/stat; 0 when it is gone. */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${String(pid)}/stat`, 'utf8').catch(() => '');
  // Fields after the command (which may hold spaces) start at state: utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / CLOCK_TICKS;
}

/** The direct children of a process: pid and command name (etcd, kube-apiserver, node...). */
export async function childProcesses(parent: number): Promise<{ pid: number; name: string }[]> {
  const out: { pid: number; name: string }[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const close = stat.lastIndexOf(')');
    if (close < 0) continue;
    const ppid = Number(stat.slice(close + 2).split(' ')[1]);
    if (ppid === parent) out.push({ pid: Number(entry), name: stat.slice(stat.indexOf('(') + 1, close) });
  }
  return out;
}

/** CPU seconds per process name of the sandbox's servers (children of this process), and of this process. */
export async function sandboxCpu(exclude: readonly number[] = []): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const { pid, name } of await childProcesses(process.pid)) {
    if (exclude.includes(pid) || name === 'node') continue; // reapers and the operator are counted apart
    out.set(name, (out.get(name) ?? 0) + (await cpuSeconds(pid)));
  }
  const own = process.cpuUsage();
  out.set('bench+simulator', (own.user + own.system) / 1e6);
  return out;
}

/** RSS and peak RSS (VmHWM) of a process in KiB. */
export async function rssKiB(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${String(pid)}/status`, 'utf8').catch(() => '');
  return {
    rss: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0),
    peak: Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0),
  };
}
