// The datasync command as a user runs it: a child process, its JSON line, its exit status, its
// errors, and a run killed with SIGKILL at random points then re-run.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, readFile, rename, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PAUSE_AT_STEP_ENV, PAUSED_MARKER, WAITING_MARKER } from '../../../src/datasync/command.ts';
import { resultSchema, type DatasyncResult } from '../../../src/datasync/summary.ts';
import { syncVolumes } from '../../../src/datasync/sync.ts';
import { waitFor } from '../../support/wait.ts';
import { expectedChanges, mutateBlocks, random, seeds, tempDir } from './helpers.ts';

const MAIN = resolve(import.meta.dirname, '../../../src/main.ts');
/** The same command without the operator's other subcommands: starts faster, for the many runs below. */
const CLI = resolve(import.meta.dirname, '../../../src/datasync/cli.ts');

interface Outcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

interface Running {
  readonly child: ChildProcess;
  readonly output: { stdout: string; stderr: string };
  readonly done: Promise<Outcome>;
}

function start(
  entry: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; uid?: number; gid?: number } = {},
): Running {
  const child = spawn(process.execPath, [entry, ...args], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid }),
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (output.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output.stderr += d.toString()));
  const done = new Promise<Outcome>((ok, fail) => {
    child.on('error', fail);
    child.on('close', (code, signal) => ok({ code, signal, ...output }));
  });
  return { child, output, done };
}

const run = (entry: string, args: readonly string[], options?: Parameters<typeof start>[2]): Promise<Outcome> =>
  start(entry, args, options).done;

/** The last stdout line, which must be the JSON result. */
function result(o: Outcome): DatasyncResult {
  const lines = o.stdout.trim().split('\n');
  assert.equal(lines.length, 1, `exactly one line on stdout, got: ${o.stdout}`);
  return resultSchema.parse(JSON.parse(lines[0] ?? ''));
}

describe('vapp-operator datasync', () => {
  it('is a subcommand of the main CLI and prints its options', async () => {
    const o = await run(MAIN, ['datasync', '--help']);
    assert.equal(o.code, 0, o.stderr);
    for (const flag of [
      '--source',
      '--target',
      '--ranges',
      '--block-size',
      '--verify',
      '--progress',
      '--termination-log',
    ])
      assert.match(o.stdout, new RegExp(flag));
  });

  it('syncs, prints one JSON summary line, and writes it to the termination log', async (t) => {
    const dir = await tempDir(t);
    const r = random(1);
    const old = r.bytes(300_000);
    const now = mutateBlocks(r, old, 5, 4096);
    await writeFile(join(dir, 's.img'), now);
    await writeFile(join(dir, 't.img'), old);
    const log = join(dir, 'termination-log');
    const o = await run(MAIN, [
      'datasync',
      '--source',
      join(dir, 's.img'),
      '--target',
      join(dir, 't.img'),
      '--verify',
      '--termination-log',
      log,
    ]);
    assert.equal(o.code, 0, o.stderr);
    const s = result(o);
    assert.ok(s.ok);
    assert.equal(s.verified, true);
    const expected = expectedChanges(old, now, 4096);
    assert.equal(s.blockSize, 4096, 'the default block size');
    assert.deepEqual([s.changedBlocks, s.bytesWritten], [expected.blocks, expected.bytes]);
    assert.ok(s.changedBlocks >= 1);
    assert.equal(s.bytesRead, 2 * 300_000 + 2 * 300_000, 'sync and verify each read both sides');
    assert.ok((await readFile(join(dir, 't.img'))).equals(now));
    assert.deepEqual(JSON.parse(await readFile(log, 'utf8')), JSON.parse(o.stdout));
    assert.equal(o.stderr, '', 'no progress when stderr is not a terminal (--progress auto)');
  });

  it('waits for its go (a downwardAPI file swapped as the kubelet does), then verifies only what it wrote', async (t) => {
    const dir = await tempDir(t);
    const r = random(2);
    const old = r.bytes(300_000);
    const now = mutateBlocks(r, old, 5, 4096);
    await writeFile(join(dir, 's.img'), now);
    await writeFile(join(dir, 't.img'), old);
    // The kubelet's atomic writer: files in a timestamped directory, `..data` pointing at it, and
    // each file a symlink through `..data`.
    const podinfo = join(dir, 'podinfo');
    await mkdir(join(podinfo, '..1'), { recursive: true });
    await writeFile(join(podinfo, '..1', 'go'), '');
    await symlink('..1', join(podinfo, '..data'));
    await symlink('..data/go', join(podinfo, 'go'));
    const worker = start(CLI, [
      '--source',
      join(dir, 's.img'),
      '--target',
      join(dir, 't.img'),
      '--verify',
      'written',
      '--wait-for-go',
      join(podinfo, 'go'),
      '--progress',
      'none',
    ]);
    await waitFor(() => worker.output.stderr.includes(WAITING_MARKER), { timeoutMs: 10_000, what: 'the worker waits' });
    assert.ok((await readFile(join(dir, 't.img'))).equals(old), 'nothing is written before the go');
    await mkdir(join(podinfo, '..2'));
    await writeFile(join(podinfo, '..2', 'go'), '2026-12-02T00:00:00Z');
    await symlink('..2', join(podinfo, '..data_tmp'));
    await rename(join(podinfo, '..data_tmp'), join(podinfo, '..data'));
    const o = await worker.done;
    assert.equal(o.code, 0, o.stderr);
    const s = result(o);
    assert.ok(s.ok);
    assert.equal(s.verification, 'written');
    const expected = expectedChanges(old, now, 4096);
    assert.equal(s.bytesWritten, expected.bytes);
    assert.equal(s.bytesRead, 2 * 300_000 + s.bytesWritten, 'a compare of both sides, then only what was written');
    assert.ok((await readFile(join(dir, 't.img'))).equals(now));
  });

  it('reads a CSI GetMetadataDelta response as the ranges file', async (t) => {
    const dir = await tempDir(t);
    const old = random(2).bytes(64 * 1024);
    const now = Buffer.from(old);
    now.fill(9, 8192, 8192 + 4096);
    now.fill(7, 40_000, 40_010);
    await writeFile(join(dir, 's.img'), now);
    await writeFile(join(dir, 't.img'), old);
    const response = {
      blockMetadataType: 'FIXED_LENGTH',
      volumeCapacityBytes: '65536',
      blockMetadata: [
        { byteOffset: '8192', sizeBytes: '4096' },
        { byteOffset: '36864', sizeBytes: '4096' },
      ],
    };
    await writeFile(join(dir, 'delta.json'), JSON.stringify(response));
    const o = await run(CLI, [
      '--source',
      join(dir, 's.img'),
      '--target',
      join(dir, 't.img'),
      '--ranges',
      join(dir, 'delta.json'),
      '--verify',
      '--progress',
      'json',
      '--block-size',
      '4KiB',
    ]);
    assert.equal(o.code, 0, o.stderr);
    const s = result(o);
    assert.ok(s.ok);
    assert.deepEqual([s.mode, s.ranges, s.bytesWritten, s.changedBlocks], ['ranges', 2, 8192, 2]);
    assert.ok((await readFile(join(dir, 't.img'))).equals(now));
    const progress = o.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { progress: string; done: number; total: number });
    assert.deepEqual(progress.at(-1) && [progress.at(-1)?.progress, progress.at(-1)?.done], ['verify', 65536]);
    assert.ok(progress.some((p) => p.progress === 'sync' && p.done === 8192 && p.total === 8192));
  });

  it('draws a progress bar with bytes and rate when asked', async (t) => {
    const dir = await tempDir(t);
    const data = random(3).bytes(3 * 1024 * 1024);
    await writeFile(join(dir, 's.img'), data);
    await writeFile(join(dir, 't.img'), data.subarray(0, 1024 * 1024));
    const o = await run(CLI, [
      '--source',
      join(dir, 's.img'),
      '--target',
      join(dir, 't.img'),
      '--progress',
      'bar',
      '--chunk-size',
      '1MiB',
    ]);
    assert.equal(o.code, 0, o.stderr);
    assert.match(o.stderr, /\rsync +\[#+\] 100% {2}3\.00 MiB \/ 3\.00 MiB {2}[\d.]+ MiB\/s {2}written 2\.00 MiB/);
    assert.ok(o.stderr.endsWith('\n'));
  });

  it('fails clearly: missing source, bad ranges file, bad size, a character device', async (t) => {
    const dir = await tempDir(t);
    await writeFile(join(dir, 't.img'), 'x');
    await writeFile(join(dir, 'bad.json'), '[{"offset": -1, "length": 3}]');
    const missing = await run(CLI, ['--source', join(dir, 'nope.img'), '--target', join(dir, 't.img')]);
    assert.equal(missing.code, 2, 'a retry cannot fix it');
    assert.deepEqual(result(missing), {
      ok: false,
      error: {
        code: 'SOURCE_MISSING',
        message: `source ${join(dir, 'nope.img')} does not exist (is the snapshot volume attached at that path?)`,
      },
    });
    assert.match(missing.stderr, /^datasync: source .*nope\.img does not exist/);

    const ranges = await run(CLI, [
      '--source',
      join(dir, 't.img'),
      '--target',
      join(dir, 't.img'),
      '--ranges',
      join(dir, 'bad.json'),
    ]);
    assert.equal(ranges.code, 2);
    const rr = result(ranges);
    assert.ok(
      !rr.ok && rr.error.code === 'RANGES_INVALID' && rr.error.message.includes('bad.json'),
      JSON.stringify(rr),
    );

    const size = await run(CLI, [
      '--source',
      join(dir, 't.img'),
      '--target',
      join(dir, 't2.img'),
      '--block-size',
      '4 parsecs',
    ]);
    assert.notEqual(size.code, 0);
    assert.match(size.stderr, /invalid size "4 parsecs"/);

    // /dev/zero is a character device: neither a file nor a block device.
    const chr = await run(CLI, ['--source', '/dev/zero', '--target', join(dir, 't.img')]);
    assert.equal(chr.code, 2);
    assert.match(chr.stderr, /source \/dev\/zero is neither a regular file nor a block device/);
  });

  it('fails clearly on a size it cannot handle (a file size limit), leaving the target as it was', async (t) => {
    const dir = await tempDir(t);
    const old = random(4).bytes(10_000);
    await writeFile(join(dir, 's.img'), random(5).bytes(1024 * 1024));
    await writeFile(join(dir, 't.img'), old);
    // RLIMIT_FSIZE of 200 blocks (100 or 200 KiB, depending on the shell's unit) through sh's ulimit.
    const child = spawn(
      'sh',
      [
        '-c',
        'ulimit -f 200 && exec "$0" "$@"',
        process.execPath,
        CLI,
        '--source',
        join(dir, 's.img'),
        '--target',
        join(dir, 't.img'),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const code = await new Promise<number | null>((ok) => child.on('close', ok));
    assert.equal(code, 2);
    const r = result({ code, signal: null, stdout, stderr: '' });
    assert.ok(!r.ok && r.error.code === 'SIZE_UNSUPPORTED', JSON.stringify(r));
    assert.match(r.error.message, /cannot take the source's size/);
    assert.ok((await readFile(join(dir, 't.img'))).equals(old));
  });

  it('reports an unreadable source and a target it may not write', async (t) => {
    // As root, run the worker as nobody (root ignores file modes); otherwise as ourselves.
    const other = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const dir = await tempDir(t);
    await chmod(dir, 0o755);
    await writeFile(join(dir, 'secret.img'), 'x', { mode: 0o600 });
    await writeFile(join(dir, 'readable.img'), 'x', { mode: 0o644 });
    await writeFile(join(dir, 'locked.img'), 'y', { mode: 0o444 });
    await chmod(join(dir, 'secret.img'), 0o000);
    await chmod(join(dir, 'locked.img'), 0o444);
    const unreadable = await run(
      CLI,
      ['--source', join(dir, 'secret.img'), '--target', join(dir, 'locked.img')],
      other,
    );
    const u = result(unreadable);
    assert.ok(!u.ok && u.error.code === 'SOURCE_UNREADABLE', JSON.stringify(u));
    assert.match(u.error.message, /permission denied/);
    const unwritable = await run(
      CLI,
      ['--source', join(dir, 'readable.img'), '--target', join(dir, 'locked.img')],
      other,
    );
    const w = result(unwritable);
    assert.ok(!w.ok && w.error.code === 'TARGET_NOT_WRITABLE', JSON.stringify(w));
  });
});

describe('datasync killed with SIGKILL at random points, then re-run', () => {
  for (const mode of ['compare', 'ranges'] as const) {
    it(`ends with target == source (${mode} mode)`, async (t) => {
      for (const seed of seeds(5, mode === 'compare' ? 2000 : 3000)) {
        const r = random(seed);
        const dir = await tempDir(t);
        const bs = 4096;
        const old = r.bytes(r.int(64, 160) * bs + r.int(0, bs - 1));
        const changed = mutateBlocks(r, old, r.int(10, 40), bs);
        // Grown by up to 64 KiB, shrunk, or same size.
        const grown = Buffer.concat([changed, r.bytes(r.int(1, 65536)), Buffer.alloc(r.pick([0, 10_000]))]);
        const now = r.pick([changed, grown, grown, changed.subarray(0, r.int(bs, changed.length))]);
        const source = join(dir, 'source.img');
        const target = join(dir, 'target.img');
        await writeFile(source, now);
        await writeFile(target, old);
        const args = ['--source', source, '--target', target, '--block-size', String(bs), '--chunk-size', '32KiB'];
        if (mode === 'ranges') {
          // The change list at block granularity, as changed-block tracking reports it.
          const blocks: { offset: number; length: number }[] = [];
          for (let b = 0; b < Math.min(old.length, now.length); b += bs) {
            if (!now.subarray(b, b + bs).equals(old.subarray(b, Math.min(b + bs, now.length))))
              blocks.push({ offset: b, length: bs });
          }
          await writeFile(join(dir, 'ranges.json'), JSON.stringify(blocks));
          args.push('--ranges', join(dir, 'ranges.json'));
        }
        // How many changes an uninterrupted run makes (on a copy), to pick kill points among them.
        let steps = 0;
        await writeFile(join(dir, 'probe.img'), old);
        const ranges =
          mode === 'ranges'
            ? (JSON.parse(await readFile(join(dir, 'ranges.json'), 'utf8')) as { offset: number; length: number }[])
            : undefined;
        await syncVolumes({
          source,
          target: join(dir, 'probe.img'),
          blockSize: bs,
          chunkSize: 32 * 1024,
          ranges,
          beforeMutation: () => {
            steps++;
          },
        });
        // Kill the first run, and sometimes the re-run too, each before a random change.
        const kills = r.int(1, 2);
        for (let k = 0; k < kills; k++) {
          const at = r.int(1, steps);
          const running = start(CLI, args, { env: { [PAUSE_AT_STEP_ENV]: String(at) } });
          const paused = await Promise.race([
            waitFor(() => running.output.stderr.includes(PAUSED_MARKER), {
              timeoutMs: 20_000,
              what: `pause before step ${at}`,
            }),
            running.done.then((o) => `exited early: ${JSON.stringify(o)}`),
          ]);
          if (paused !== true && k > 0) {
            // The re-run had fewer changes left than the point picked: it finished; fine.
            assert.equal((await running.done).code, 0, paused);
            break;
          }
          assert.equal(paused, true, `seed ${seed}: ${paused}`);
          running.child.kill('SIGKILL');
          const killed = await running.done;
          assert.equal(killed.signal, 'SIGKILL');
          assert.equal(killed.stdout, '', 'a killed run reports nothing');
        }
        const final = await run(CLI, [...args, '--verify']);
        assert.equal(final.code, 0, final.stderr);
        const s = result(final);
        assert.ok(s.ok && s.verified);
        assert.ok((await readFile(target)).equals(now), `seed ${seed}: target != source after kills and a re-run`);
      }
    });
  }
});
