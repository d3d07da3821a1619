// Benchmark of the datasync worker (`make bench-datasync`): not a test, a script that prints figures.
//
// It generates a random (sparse-free) image, a copy of it (the target, i.e. the clone's replica),
// and sources with 1% and 10% of its 4 KiB blocks rewritten at random places. Then, on the same
// files in one run, it times:
//   - our worker, compare-and-write (4 KiB blocks, the default, and 64 KiB blocks),
//   - our worker in ranges mode, given the exact change list (also with 0.1% and 3% changed),
//   - rsync --inplace --no-whole-file (installed from Debian's packages when missing),
//   - cat source target > /dev/null: reading both files, the floor of any compare-and-write.
// Every "cold" run starts with both files read once and then dropped from the page cache
// (posix_fadvise DONTNEED through dd iflag=nocache, after a sync), so all tools read from the disk
// and, on a virtual machine, find the host's cache (which cannot be dropped from inside) in the same
// state; without the read, a run's speed depended on what the previous tool had read. Ours and cat
// are also timed with the files in the page cache ("warm"). Wall time of the whole process is measured; writers are timed until their data is
// on disk (ours fsyncs; rsync is followed by sync of the target file). Every writer's result is
// checked with cmp. Each measurement is repeated (--repeat, default 3; round-robin over the tools)
// and the median is reported. Prints a Markdown table and writes JSON to bench-results/.
//
//   npx node scripts/bench-datasync.ts [--size 2GiB] [--dir /tmp] [--seed 1] [--repeat 3] [--keep] [--warm-only]
//
// --warm-only times just compare mode and cat with the files page-cached, 1 % changed (a minute,
// not the quarter of an hour the cold runs and rsync take on a shared disk).
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatBytes, MiB, parseSize } from '../src/datasync/units.ts';
import { syncSummarySchema, type SyncSummary } from '../src/datasync/summary.ts';
import { rng } from '../test/unit/datasync/helpers.ts';

const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'src/datasync/cli.ts');
const MAIN = join(ROOT, 'src/main.ts');
const BLOCK = 4096;
const DEFAULT = 'datasync compare (4 KiB blocks, default)';
const OTHER_BLOCK_SIZE = 65536;
const OTHER_BLOCK = 'datasync compare, 64 KiB blocks';
const RANGES = 'datasync ranges (exact list)';
const RSYNC = 'rsync --inplace --no-whole-file (+ sync)';
const CAT = 'cat source target > /dev/null';

const { values: args } = parseArgs({
  options: {
    size: { type: 'string', default: '2GiB' },
    dir: { type: 'string', default: tmpdir() },
    seed: { type: 'string', default: '1' },
    keep: { type: 'boolean', default: false },
    repeat: { type: 'string', default: '3' },
    'warm-only': { type: 'boolean', default: false },
    out: { type: 'string', default: join(ROOT, 'bench-results') },
  },
});

function sh(
  cmd: string,
  argv: readonly string[],
  opts: { input?: string; stdout?: 'pipe' | 'ignore' | number } = {},
): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, argv, {
    encoding: 'utf8',
    stdio: ['ignore', opts.stdout ?? 'pipe', 'pipe'],
    maxBuffer: 64 * MiB,
  });
  if (r.error) throw r.error;
  return r;
}

function must(cmd: string, argv: readonly string[]): string {
  const r = sh(cmd, argv);
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (${String(r.status)}): ${r.stderr}`);
  return r.stdout;
}

const has = (cmd: string): boolean => sh('sh', ['-c', `command -v ${cmd}`]).status === 0;

function ensureRsync(): void {
  if (has('rsync')) return;
  console.error('rsync is missing: installing it from the Debian packages');
  const asRoot = process.getuid?.() === 0 ? [] : ['sudo'];
  const apt = (...a: string[]): number | null => {
    const [cmd, ...rest] = [...asRoot, 'apt-get', ...a];
    return spawnSync(cmd ?? 'apt-get', rest, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    }).status;
  };
  if (apt('install', '-y', '--no-install-recommends', 'rsync') !== 0) {
    apt('update');
    if (apt('install', '-y', '--no-install-recommends', 'rsync') !== 0)
      throw new Error('could not install rsync with apt-get');
  }
}

async function generate(path: string, size: number): Promise<void> {
  const h = await open(path, 'w');
  const buf = Buffer.allocUnsafe(8 * MiB);
  try {
    for (let off = 0; off < size; off += buf.length) {
      const n = Math.min(buf.length, size - off);
      randomFillSync(buf, 0, n);
      await h.write(buf, 0, n, off);
    }
    await h.sync();
  } finally {
    await h.close();
  }
}

/** Copies base to path and rewrites `fraction` of its 4 KiB blocks; returns the exact change list. */
async function mutate(
  base: string,
  path: string,
  fraction: number,
  random: () => number,
): Promise<{ offset: number; length: number }[]> {
  await copyFile(base, path);
  const { size } = await stat(path);
  const blocks = Math.floor(size / BLOCK);
  const count = Math.round(blocks * fraction);
  const chosen = new Uint8Array(blocks);
  for (let picked = 0; picked < count;) {
    const b = Math.floor(random() * blocks);
    if (chosen[b]) continue;
    chosen[b] = 1;
    picked++;
  }
  const h = await open(path, 'r+');
  const data = Buffer.allocUnsafe(BLOCK);
  const ranges: { offset: number; length: number }[] = [];
  try {
    for (let b = 0; b < blocks; b++) {
      if (!chosen[b]) continue;
      randomFillSync(data);
      await h.write(data, 0, BLOCK, b * BLOCK);
      const last = ranges.at(-1);
      if (last && last.offset + last.length === b * BLOCK) last.length += BLOCK;
      else ranges.push({ offset: b * BLOCK, length: BLOCK });
    }
    await h.sync();
  } finally {
    await h.close();
  }
  return ranges;
}

/** Flushes dirty data and drops the files' pages from the page cache. */
function dropCache(...paths: string[]): void {
  must('sync', []);
  for (const p of paths) must('dd', [`if=${p}`, 'iflag=nocache', 'count=0', 'status=none']);
}

function warm(...paths: string[]): void {
  for (const p of paths) sh('cat', [p], { stdout: 'ignore' });
}

function timed<T>(fn: () => T): { seconds: number; value: T } {
  const t = performance.now();
  const value = fn();
  return { seconds: (performance.now() - t) / 1000, value };
}

function same(a: string, b: string): boolean {
  return sh('cmp', ['-s', a, b]).status === 0;
}

interface Row {
  case: string;
  tool: string;
  cache: 'cold' | 'warm';
  /** Median of the samples. */
  seconds: number;
  samples: number[];
  /** 1-minute load average after each sample (the machine is shared). */
  loadAverage: number[];
  /** Our worker's own time (from its summary), without process start. */
  workerSeconds?: number;
  bytesWritten?: number;
  changedBlocks?: number;
  correct?: boolean;
}

async function main(): Promise<void> {
  const size = parseSize(args.size);
  const repeat = Number(args.repeat);
  if (!args['warm-only']) ensureRsync();
  const dir = await mkdtemp(join(resolve(args.dir), 'vapp-bench-datasync-'));
  const random = rng(Number(args.seed));
  const rows: Row[] = [];
  const loadBefore = (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
  try {
    console.error(`generating a ${formatBytes(size)} random image in ${dir}`);
    const base = join(dir, 'base.img');
    const target = join(dir, 'target.img');
    await generate(base, size);
    // 1% and 10% get every tool; 0.1% and 3% only ranges mode, to see how its time follows the change.
    const cases: {
      name: string;
      source: string;
      rangesFile: string;
      changed: number;
      ranges: number;
      full: boolean;
    }[] = [];
    const fractions: readonly (readonly [number, boolean])[] = args['warm-only']
      ? [[0.01, true]]
      : [
          [0.01, true],
          [0.1, true],
          [0.001, false],
          [0.03, false],
        ];
    for (const [fraction, full] of fractions) {
      const name = `${String(Math.round(fraction * 1000) / 10)}%`;
      const source = join(dir, `source-${name}.img`);
      const ranges = await mutate(base, source, fraction, random);
      const rangesFile = join(dir, `ranges-${name}.json`);
      await writeFile(rangesFile, JSON.stringify(ranges));
      cases.push({
        name,
        source,
        rangesFile,
        changed: ranges.reduce((s, r) => s + r.length, 0),
        ranges: ranges.length,
        full,
      });
    }
    const reset = async (): Promise<void> => {
      await copyFile(base, target);
    };
    interface Tool {
      readonly label: string;
      readonly cache: 'cold' | 'warm';
      /** Whether the run writes the target (reset to the base first, checked with cmp after). */
      readonly writes: boolean;
      readonly argv: readonly string[];
      /** Our worker: parse its summary. */
      readonly ours: boolean;
    }
    const oursTool = (
      label: string,
      c: (typeof cases)[number],
      extra: readonly string[],
      cache: 'cold' | 'warm',
    ): Tool => ({
      label,
      cache,
      writes: true,
      ours: true,
      argv: [process.execPath, CLI, '--source', c.source, '--target', target, '--progress', 'none', ...extra],
    });
    const median = (xs: readonly number[]): number => {
      const sorted = [...xs].sort((a, b) => a - b);
      const mid = Math.floor(sorted.length / 2);
      return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
    };
    for (const c of cases) {
      console.error(`case ${c.name}: ${formatBytes(c.changed)} changed`);
      const tools: Tool[] = args['warm-only'] ? [] : [oursTool(RANGES, c, ['--ranges', c.rangesFile], 'cold')];
      if (args['warm-only'])
        tools.push(oursTool(DEFAULT, c, [], 'warm'), {
          label: CAT,
          cache: 'warm',
          writes: false,
          ours: false,
          argv: ['sh', '-c', 'cat "$0" "$1" > /dev/null', c.source, target],
        });
      else if (c.full) {
        tools.push(
          oursTool(DEFAULT, c, [], 'cold'),
          oursTool(OTHER_BLOCK, c, ['--block-size', String(OTHER_BLOCK_SIZE)], 'cold'),
          {
            label: RSYNC,
            cache: 'cold',
            writes: true,
            ours: false,
            argv: ['sh', '-c', 'rsync --inplace --no-whole-file "$0" "$1" && sync "$1"', c.source, target],
          },
          {
            label: CAT,
            cache: 'cold',
            writes: false,
            ours: false,
            argv: ['sh', '-c', 'cat "$0" "$1" > /dev/null', c.source, target],
          },
          oursTool(DEFAULT, c, [], 'warm'),
          {
            label: CAT,
            cache: 'warm',
            writes: false,
            ours: false,
            argv: ['sh', '-c', 'cat "$0" "$1" > /dev/null', c.source, target],
          },
        );
      }
      const samples = new Map<
        Tool,
        { seconds: number[]; worker: number[]; load: number[]; written?: number; blocks?: number; correct: boolean[] }
      >(tools.map((t) => [t, { seconds: [], worker: [], load: [], correct: [] }]));
      // Round-robin over the tools, so a change of the machine's load hits all of them alike.
      for (let rep = 0; rep < repeat; rep++) {
        for (const tool of tools) {
          const acc = samples.get(tool);
          if (!acc) continue;
          if (tool.writes) await reset();
          if (tool.cache === 'cold') {
            // Same start for every tool: both files just read once (so the VM host's cache, which we
            // cannot drop, holds them alike), then dropped from this machine's page cache.
            warm(c.source, target);
            dropCache(c.source, target, base);
          } else {
            must('sync', []);
            warm(c.source, target);
          }
          const [cmd, ...rest] = tool.argv;
          const r = timed(() => sh(cmd ?? 'false', rest));
          if (r.value.status !== 0) throw new Error(`${tool.argv.join(' ')} failed: ${r.value.stderr}`);
          acc.seconds.push(r.seconds);
          acc.load.push(loadavg()[0] ?? 0);
          if (tool.ours) {
            const summary: SyncSummary = syncSummarySchema.parse(JSON.parse(r.value.stdout));
            acc.worker.push(summary.seconds);
            acc.written = summary.bytesWritten;
            acc.blocks = summary.changedBlocks;
          }
          if (tool.writes) acc.correct.push(same(c.source, target));
          console.error(`${c.name} ${tool.label} ${tool.cache} #${rep + 1}: ${r.seconds.toFixed(2)} s`);
        }
      }
      for (const tool of tools) {
        const acc = samples.get(tool);
        if (!acc) continue;
        rows.push({
          case: c.name,
          tool: tool.label,
          cache: tool.cache,
          seconds: median(acc.seconds),
          samples: acc.seconds.map((x) => Math.round(x * 1000) / 1000),
          loadAverage: acc.load.map((x) => Math.round(x * 100) / 100),
          ...(acc.worker.length > 0 ? { workerSeconds: median(acc.worker) } : {}),
          ...(acc.written === undefined ? {} : { bytesWritten: acc.written }),
          ...(acc.blocks === undefined ? {} : { changedBlocks: acc.blocks }),
          ...(tool.writes ? { correct: acc.correct.every(Boolean) } : {}),
        });
      }
    }
    // Process start of the two entry points (the main CLI loads every subcommand).
    const startMain = timed(() => sh(process.execPath, [MAIN, 'datasync', '--help'])).seconds;
    const startCli = timed(() => sh(process.execPath, [CLI, '--help'])).seconds;
    const loadAfter = (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
    const machine = {
      cpu: (await readFile('/proc/cpuinfo', 'utf8')).match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown',
      cores: cpus().length,
      memory: formatBytes(totalmem()),
      kernel: must('uname', ['-r']).trim(),
      filesystem: must('df', ['--output=fstype,source', dir]).trim().split('\n').at(-1)?.trim() ?? '',
      node: process.version,
      rsync: has('rsync') ? (must('rsync', ['--version']).split('\n')[0] ?? '') : 'not installed',
      loadAverageBefore: loadBefore,
      loadAverageAfter: loadAfter,
      startSecondsMain: Math.round(startMain * 1000) / 1000,
      startSecondsDatasyncEntry: Math.round(startCli * 1000) / 1000,
    };
    printTable(rows, cases, size, machine);
    await mkdir(args.out, { recursive: true });
    const file = join(args.out, `datasync-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    await writeFile(
      file,
      `${JSON.stringify({ size, seed: Number(args.seed), machine, cases: cases.map((c) => ({ name: c.name, changedBytes: c.changed, ranges: c.ranges })), rows }, null, 2)}\n`,
    );
    console.error(`wrote ${file}`);
    if (rows.some((r) => r.correct === false)) throw new Error('a tool left the target different from the source');
  } finally {
    if (!args.keep) await rm(dir, { recursive: true, force: true });
  }
}

interface CaseInfo {
  readonly name: string;
  readonly changed: number;
  readonly ranges: number;
  readonly full: boolean;
}

/** Least-squares line y = a + b x, with R². */
function fit(points: readonly (readonly [number, number])[]): { a: number; b: number; r2: number } {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const syy = points.reduce((s, [, y]) => s + (y - my) ** 2, 0);
  const b = sxy / sxx;
  return { a: my - b * mx, b, r2: (sxy * sxy) / (sxx * syy) };
}

function printTable(
  rows: readonly Row[],
  cases: readonly CaseInfo[],
  size: number,
  machine: Record<string, string | number>,
): void {
  const out: string[] = [];
  const changeLabel = (c: CaseInfo): string => `${c.name} (${formatBytes(c.changed)})`;
  out.push(
    `Image ${formatBytes(size)}; ${BLOCK}-byte blocks rewritten at random places. Median wall time of ${rows[0]?.samples.length ?? 0} runs of each process; writers are timed until their data is fsynced.`,
    '',
  );
  out.push('| change | cache | tool | seconds | image MiB/s | written | vs plain read | correct |');
  out.push('|---|---|---|---:|---:|---:|---:|---|');
  for (const c of cases.filter((x) => x.full)) {
    for (const cache of ['cold', 'warm'] as const) {
      const floor =
        rows.find((r) => r.case === c.name && r.cache === cache && r.tool.startsWith('cat'))?.seconds ?? Number.NaN;
      for (const r of rows.filter((x) => x.case === c.name && x.cache === cache)) {
        const worker = r.workerSeconds === undefined ? '' : ` (worker ${r.workerSeconds.toFixed(2)})`;
        const written = r.bytesWritten === undefined ? '' : formatBytes(r.bytesWritten);
        const correct = r.correct === undefined ? '' : r.correct ? 'yes' : 'NO';
        out.push(
          `| ${changeLabel(c)} | ${cache} | ${r.tool} | ${r.seconds.toFixed(2)}${worker} | ${(size / MiB / r.seconds).toFixed(0)} | ${written} | ${(r.seconds / floor).toFixed(2)}x | ${correct} |`,
        );
      }
    }
  }
  out.push('');
  const cold = rows.some((r) => r.cache === 'cold');
  for (const c of cases.filter((x) => x.full && cold)) {
    const get = (tool: string): number =>
      rows.find((r) => r.case === c.name && r.cache === 'cold' && r.tool.startsWith(tool))?.seconds ?? Number.NaN;
    const cat = get('cat');
    const rsync = get('rsync');
    const def = get(DEFAULT);
    const other = get(OTHER_BLOCK);
    const loads = rows.filter((r) => r.case === c.name).flatMap((r) => r.loadAverage);
    out.push(
      `- ${c.name}, cold: compare-and-write / plain read = ${(def / cat).toFixed(2)}x (64 KiB blocks: ${(other / cat).toFixed(2)}x); ` +
        `rsync / compare-and-write = ${(rsync / def).toFixed(1)}x (64 KiB blocks: ${(rsync / other).toFixed(1)}x); ` +
        `load average ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)} during these runs`,
    );
  }
  // The figure issue 14 asks for: compare mode against the read floor, both timed in this run.
  out.push(
    '',
    'Compare mode (4 KiB blocks, process start and fsync included) against the read floor (cat of both files):',
    '',
  );
  out.push('| change | cache | compare s | read floor s | ratio | load average |');
  out.push('|---|---|---:|---:|---:|---:|');
  for (const c of cases.filter((x) => x.full)) {
    for (const cache of ['warm', 'cold'] as const) {
      const ours = rows.find((r) => r.case === c.name && r.cache === cache && r.tool === DEFAULT);
      const floor = rows.find((r) => r.case === c.name && r.cache === cache && r.tool === CAT);
      if (!ours || !floor) continue;
      const loads = [...ours.loadAverage, ...floor.loadAverage];
      out.push(
        `| ${changeLabel(c)} | ${cache} | ${ours.seconds.toFixed(2)} | ${floor.seconds.toFixed(2)} | ${(ours.seconds / floor.seconds).toFixed(2)}x | ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)} |`,
      );
    }
  }
  if (cold) printRanges(out, rows, cases);
  out.push(
    '',
    `Machine: ${Object.entries(machine)
      .map(([k, v]) => `${k} ${String(v)}`)
      .join('; ')}`,
  );
  console.log(out.join('\n'));
}

function printRanges(out: string[], rows: readonly Row[], cases: readonly CaseInfo[]): void {
  const changeLabel = (c: CaseInfo): string => `${c.name} (${formatBytes(c.changed)})`;
  out.push('', 'Ranges mode, cold, by size of the change:', '');
  out.push('| change | ranges | seconds | worker seconds | worker ms per changed MiB | load average | correct |');
  out.push('|---|---:|---:|---:|---:|---:|---|');
  const points: [number, number][] = [];
  for (const c of [...cases].sort((a, b) => a.changed - b.changed)) {
    const r = rows.find((x) => x.case === c.name && x.tool === RANGES);
    if (!r) continue;
    const worker = r.workerSeconds ?? Number.NaN;
    points.push([c.changed / MiB, worker]);
    const load = `${Math.min(...r.loadAverage).toFixed(1)}-${Math.max(...r.loadAverage).toFixed(1)}`;
    out.push(
      `| ${changeLabel(c)} | ${c.ranges} | ${r.seconds.toFixed(2)} | ${worker.toFixed(2)} | ${((worker / (c.changed / MiB)) * 1000).toFixed(1)} | ${load} | ${r.correct ? 'yes' : 'NO'} |`,
    );
  }
  const line = fit(points);
  out.push(
    '',
    `Worker time ≈ ${line.a.toFixed(2)} s + ${(line.b * 1000).toFixed(1)} ms × changed MiB (least squares, R² = ${line.r2.toFixed(3)}).`,
  );
}

await main();
