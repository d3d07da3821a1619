// A real Prometheus (Debian's prometheus package, `make system-deps`), started by a test: it scrapes
// the given targets every second and evaluates the given rule files, with its data in a temp folder.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../../src/sandbox/controlplane/ports.ts';
import { startProcess, type ServerProcess } from '../../src/sandbox/controlplane/process.ts';
import { waitFor } from './wait.ts';

export interface PromSeries {
  readonly metric: Record<string, string>;
  readonly values: readonly [number, string][];
}

export interface PromAlert {
  readonly labels: Record<string, string>;
  readonly state: 'pending' | 'firing';
}

export interface Prometheus {
  readonly url: string;
  /** /api/v1/query_range: every series with its samples between `start` and `end`. */
  queryRange(expr: string, start: Date, end: Date, stepSeconds?: number): Promise<PromSeries[]>;
  /** /api/v1/alerts: the alerts pending or firing now. */
  alerts(): Promise<PromAlert[]>;
  stop(): Promise<void>;
}

export async function startPrometheus(opts: {
  /** job name → host:port targets (scraped at /metrics). */
  readonly jobs: Readonly<Record<string, readonly string[]>>;
  /** Rule files' contents. */
  readonly rules?: readonly string[];
}): Promise<Prometheus> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vapp-prometheus-'));
  const ruleFiles = (opts.rules ?? []).map((_, i) => path.join(dir, `rules-${String(i)}.yaml`));
  await Promise.all((opts.rules ?? []).map((text, i) => writeFile(ruleFiles[i] ?? '', text)));
  await writeFile(
    path.join(dir, 'prometheus.yml'),
    stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: ruleFiles,
      scrape_configs: Object.entries(opts.jobs).map(([job, targets]) => ({
        job_name: job,
        static_configs: [{ targets }],
      })),
    }),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${String(port)}`;
  let server: ServerProcess;
  try {
    server = startProcess(
      'prometheus',
      'prometheus',
      [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${String(port)}`,
      ],
      path.join(dir, 'prometheus.log'),
    );
  } catch (err) {
    throw new Error('cannot start prometheus: run `make system-deps` (Debian package prometheus)', { cause: err });
  }
  await waitFor(
    async () => {
      if (!server.isRunning()) throw new Error(`prometheus exited: ${server.tail()}`);
      return (await fetch(`${url}/-/ready`)).ok;
    },
    { what: 'Prometheus ready', timeoutMs: 30_000, intervalMs: 100 },
  );
  const api = async <T>(p: string, params: Record<string, string>): Promise<T> => {
    const res = await fetch(`${url}${p}?${new URLSearchParams(params).toString()}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${p} ${JSON.stringify(params)}: ${body.error ?? res.statusText}`);
    return body.data;
  };
  return {
    url,
    async queryRange(expr, start, end, stepSeconds = 1) {
      const data = await api<{ result: PromSeries[] }>('/api/v1/query_range', {
        query: expr,
        start: String(start.getTime() / 1000),
        end: String(end.getTime() / 1000),
        step: String(stepSeconds),
      });
      return data.result;
    },
    async alerts() {
      return (await api<{ alerts: PromAlert[] }>('/api/v1/alerts', {})).alerts;
    },
    async stop() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
