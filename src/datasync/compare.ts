// Compare mode's read loop: reads source and target in large aligned chunks, both sides at once,
// into buffers allocated once and reused, compares them in place and writes only the runs of
// blocks that differ. Its cost is meant to be the cost of reading both sides (`cat a b`), so:
//   - one pread per side per chunk, both outstanding at once: the target's on libuv's thread pool,
//     READ_AHEAD chunks ahead, the source's on this thread just before its chunk is compared. The
//     thread that compares thus never sleeps waiting for a hand-off, like `cat`: with every chunk
//     handed over from the pool (both sides there), a loaded machine (load average 25 on 2 cores)
//     made each hand-off wait for a time slice, and the run took 4x cat's time instead of 1.2x;
//   - no copies: the comparison works on subarrays of the read buffers (memcmp), and a write
//     passes the source buffer's bytes straight to pwrite;
//   - equal data costs one memcmp per group of blocks (64 KiB); only a group that differs is
//     compared block by block, so the differing blocks are found only where there are some;
//   - what was written is flushed to the disk while the reading goes on (one fdatasync at a time,
//     on the thread pool), so the run's final fsync has little left to wait for.
// The target's content is only ever set to source bytes at the same offset (see sync.ts for why a
// re-run after a crash converges).
import { fdatasync, read, readSync } from 'node:fs';
import { DatasyncError, describeIoError } from './errors.ts';
import type { OpenVolume } from './volume.ts';

/** What the compare loop needs from a sync run (SyncRun in sync.ts). */
export interface CompareRun {
  readonly src: OpenVolume;
  readonly dst: OpenVolume;
  /** Block size: the granularity of comparison and writes. */
  readonly bs: number;
  /** Bytes read per side per chunk, a multiple of bs. */
  readonly chunk: number;
  bytesRead: number;
  bytesCompared: number;
  readonly bytesWritten: number;
  /** Writes buf[from, from + length) at `position` of the target. */
  write(buf: Buffer, from: number, length: number, position: number): Promise<void>;
  progress(phase: 'sync', done: number, total: number): void;
}

/**
 * Chunks read ahead of the one being compared. With 2, the reads of the next chunk run while the
 * current one is compared and the one after is already queued, so the disk (or the page cache copy
 * on the thread pool) never waits for the comparison.
 */
const READ_AHEAD = 2;

/** Equal small blocks are compared in groups of about this many bytes: one memcmp each. */
const GROUP_BYTES = 65536;

/**
 * A background fdatasync starts once this many bytes were written since the last one started:
 * flushing after every chunk with a write measured slower (the writes wait on the flushes), and
 * not flushing left the final fsync 0.1-0.3 s of scattered 4 KiB writes (1 % of 2 GiB) to wait for.
 */
const FLUSH_EVERY_BYTES = 4 * 1024 * 1024;

/** pread until `length` bytes are in or the file ends; resolves to the bytes read. */
function preadFully(fd: number, buf: Buffer, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let done = 0;
    const next = (): void => {
      read(fd, buf, done, length - done, position + done, (err, n) => {
        if (err) return reject(err);
        done += n;
        if (n === 0 || done >= length) resolve(done);
        else next();
      });
    };
    next();
  });
}

/** The source's chunk, read on this thread (pread in a loop until `length` bytes or its end). */
function readSourceSync(run: CompareRun, buf: Buffer, length: number, position: number): void {
  let n = 0;
  try {
    for (;;) {
      const got = readSync(run.src.handle.fd, buf, n, length - n, position + n);
      n += got;
      if (got === 0 || n >= length) break;
    }
  } catch (err) {
    throw describeIoError(err, 'source', run.src.path, `read ${length} bytes at offset ${position} of`);
  }
  run.bytesRead += n;
  if (n !== length)
    throw new DatasyncError(
      'IO',
      `source ${run.src.path} ended at ${position + n} bytes, before its size of ${run.src.size} bytes when opened: was it modified during the sync?`,
    );
}

async function readSide(
  run: CompareRun,
  side: 'source' | 'target',
  buf: Buffer,
  length: number,
  position: number,
): Promise<void> {
  const volume = side === 'source' ? run.src : run.dst;
  let n: number;
  try {
    n = await preadFully(volume.handle.fd, buf, length, position);
  } catch (err) {
    throw describeIoError(err, side, volume.path, `read ${length} bytes at offset ${position} of`);
  }
  run.bytesRead += n;
  if (n !== length)
    throw new DatasyncError(
      'IO',
      side === 'source'
        ? `source ${volume.path} ended at ${position + n} bytes, before its size of ${run.src.size} bytes when opened: was it modified during the sync?`
        : `target ${volume.path} ended at ${position + n} bytes, before the ${position + length} bytes expected: was it modified during the sync?`,
    );
}

interface TargetSlot {
  readonly t: Buffer;
  loaded: Promise<void>;
}

/**
 * Makes [0, size) of the target equal to the source's. Offsets at or past `knownZeroFrom` are a
 * fresh hole of the target (it was just extended): they are not read, and count as zeros.
 */
export async function compareAndWrite(run: CompareRun, size: number, knownZeroFrom: number): Promise<void> {
  if (size === 0) return;
  const chunk = run.chunk;
  const chunks = Math.ceil(size / chunk);
  const bufSize = Math.min(chunk, Math.ceil(size / run.bs) * run.bs);
  const depth = Math.min(READ_AHEAD + 1, chunks);
  // One source buffer (read just in time, on this thread), `depth` target buffers (read ahead).
  const source = Buffer.allocUnsafe(bufSize);
  const targets: TargetSlot[] = Array.from({ length: depth }, () => ({
    t: Buffer.allocUnsafe(bufSize),
    loaded: Promise.resolve(),
  }));
  const targetBytes = (off: number): number => Math.max(0, Math.min(chunk, size - off, knownZeroFrom - off));
  // The target's chunk k goes to slot k % depth, read on the thread pool while earlier chunks are compared.
  const start = (k: number): void => {
    if (k >= chunks) return;
    const slot = targets[k % depth] as TargetSlot;
    const off = k * chunk;
    const tn = targetBytes(off);
    slot.loaded = tn > 0 ? readSide(run, 'target', slot.t, tn, off) : Promise.resolve();
    slot.loaded.catch(() => undefined); // awaited below; no unhandled rejection if we stop first
  };
  const flusher = new BackgroundFlush(run.dst.handle.fd);
  try {
    for (let k = 0; k < depth; k++) start(k);
    for (let k = 0; k < chunks; k++) {
      const slot = targets[k % depth] as TargetSlot;
      const off = k * chunk;
      const n = Math.min(chunk, size - off);
      readSourceSync(run, source, n, off);
      await slot.loaded;
      const tn = targetBytes(off);
      if (tn < n) slot.t.fill(0, tn, n);
      await writeDifferences(run, source, slot.t, n, off);
      run.bytesCompared += n;
      start(k + depth);
      if (flusher.failure !== undefined) break;
      flusher.poke(run.bytesWritten);
      run.progress('sync', off + n, size);
    }
  } finally {
    // Also on failure: no fdatasync may still run on the target once the caller closes it.
    await flusher.settled();
  }
  const failure = flusher.failure;
  if (failure !== undefined) throw describeIoError(failure.error, 'target', run.dst.path, 'fsync');
}

/**
 * Starts an fdatasync of the target whenever FLUSH_EVERY_BYTES were written since the last one
 * started and none is running. Not a change of the target (the caller's final fsync is what makes the run
 * durable), but its error must not be lost: Linux reports a failed writeback to one fsync only, so
 * a swallowed error here would let the final fsync succeed over lost data.
 */
class BackgroundFlush {
  readonly #fd: number;
  #running: Promise<void> | undefined;
  #startedAt = 0;
  failure: { readonly error: unknown } | undefined;

  constructor(fd: number) {
    this.#fd = fd;
  }

  poke(bytesWritten: number): void {
    if (this.#running !== undefined || this.failure !== undefined || bytesWritten < this.#startedAt + FLUSH_EVERY_BYTES)
      return;
    this.#startedAt = bytesWritten;
    this.#running = new Promise<void>((resolve) => {
      fdatasync(this.#fd, (err) => {
        if (err) this.failure = { error: err };
        this.#running = undefined;
        resolve();
      });
    });
  }

  async settled(): Promise<void> {
    await this.#running;
  }
}

/** Compares s[0, n) with t[0, n) (the chunk at `base`) and writes the runs of differing blocks. */
async function writeDifferences(run: CompareRun, s: Buffer, t: Buffer, n: number, base: number): Promise<void> {
  const bs = run.bs;
  // No whole-chunk memcmp first: with changes spread out, nearly every chunk differs somewhere.
  const group = bs >= GROUP_BYTES ? bs : bs * Math.floor(GROUP_BYTES / bs);
  let runStart = -1; // start of the run of differing blocks not yet written
  for (let g = 0; g < n; g += group) {
    const ge = Math.min(g + group, n);
    if (s.compare(t, g, ge, g, ge) === 0) {
      if (runStart >= 0) {
        await run.write(s, runStart, g - runStart, base + runStart);
        runStart = -1;
      }
      continue;
    }
    for (let b = g; b < ge; b += bs) {
      const e = Math.min(b + bs, n);
      if (group === bs || s.compare(t, b, e, b, e) !== 0) {
        if (runStart < 0) runStart = b;
      } else if (runStart >= 0) {
        await run.write(s, runStart, b - runStart, base + runStart);
        runStart = -1;
      }
    }
  }
  if (runStart >= 0) await run.write(s, runStart, n - runStart, base + runStart);
}
