// The delta sync engine: makes a target (the pristine replica, equal to an older state of the
// source) equal to the source by writing only the blocks that differ.
//
// Compare mode streams both sides in large aligned chunks (the next chunk of both is read while the
// current one is compared), compares them block by block and writes runs of differing blocks.
// Ranges mode reads only the listed ranges of the source and writes them; the ranges may be a list
// or a stream (CSI SnapshotMetadata's GetMetadataDelta, copied while it arrives).
//
// Crash safety: every write copies source bytes to the same offset of the target, so a re-run after
// a crash at any point converges to the source. The only state a run derives from the target is its
// size; see syncRanges for how growth stays correct when a run dies half-way. The target is fsynced
// before success is reported.
//
// Sparse targets: a block that reads as zero on both sides is never written, so holes stay holes;
// a grown file target is extended with ftruncate (a hole), and its new tail is not even read.
import { writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { compareAndWrite } from './compare.ts';
import { DatasyncError, describeIoError } from './errors.ts';
import { normalizeRanges, RangeWindower, totalLength, type ByteRange, type RangeWindow } from './ranges.ts';
import { openVolume, type OpenVolume } from './volume.ts';
import { MiB } from './units.ts';
import type { SyncSummary } from './summary.ts';

export const DEFAULT_BLOCK_SIZE = 4096;
export const DEFAULT_CHUNK_SIZE = 4 * MiB;
/**
 * Compare mode's read size per side: 1 MiB measured 1.0-1.4x the time of `cat` of both files
 * (page-cached, 1 GiB, load average 20 on 2 cores, process start included), 4 MiB 2.6-3.8x, 256 KiB 2.6-3.5x.
 */
export const DEFAULT_COMPARE_CHUNK_SIZE = 1 * MiB;
export const MAX_BLOCK_SIZE = 64 * MiB;

/** Progress of a run, reported after every chunk. */
export interface ProgressInfo {
  readonly phase: 'sync' | 'verify';
  /** Bytes examined so far in this phase, out of `total`. */
  readonly done: number;
  readonly total: number;
  readonly bytesWritten: number;
}

/** A change about to be made to the target (test hook: lets tests stop a run at any point). */
export interface MutationStep {
  /** 1 for the first change of the run, 2 for the next... */
  readonly index: number;
  readonly kind: 'resize' | 'write' | 'fsync';
  readonly offset: number;
  readonly length: number;
}

/**
 * Ranges as they arrive, batch by batch, in ascending order (each range starts at or after the end
 * of the one before): a CSI GetMetadataDelta stream. An error thrown by the stream ends the run.
 */
export type RangeStream = AsyncIterable<readonly ByteRange[]>;

/** What is checked after the sync: nothing, the ranges written (re-read), or both sides whole (SHA-256). */
export type Verification = 'none' | 'written' | 'full';

export interface SyncOptions {
  readonly source: string;
  readonly target: string;
  /**
   * Ranges mode when given: only these byte ranges of the source changed since the target's state.
   * A list is sorted and merged first; a stream is copied while it arrives.
   */
  readonly ranges?: readonly ByteRange[] | RangeStream | undefined;
  /** Comparison and write granularity (default 4 KiB: exactly the changed blocks of guest filesystems). */
  readonly blockSize?: number | undefined;
  /** Read size per side (default 1 MiB in compare mode, 4 MiB in ranges mode; rounded up to a multiple of the block size). */
  readonly chunkSize?: number | undefined;
  /**
   * After the sync (and its fsync): `full` (or true) re-reads both sides whole and compares their
   * SHA-256; `written` re-reads only what was written from the target and compares it with the
   * digest of the bytes written, so it costs the written bytes, not the volume size.
   */
  readonly verify?: boolean | Verification | undefined;
  readonly onProgress?: ((p: ProgressInfo) => void) | undefined;
  /** Called before every change to the target; a returned promise delays the change. */
  readonly beforeMutation?: ((step: MutationStep) => void | Promise<void>) | undefined;
}

/** A run written to the target, with the digest of its bytes (for `verify: 'written'`). */
interface WrittenRun {
  readonly offset: number;
  readonly length: number;
  readonly digest: Buffer;
}

/**
 * Reads queued ahead in ranges mode. More than libuv's 4 threads: keeping the pool always busy
 * measured 1.6x faster on scattered 4 KiB ranges than 4 (and a bigger pool did not help).
 */
const RANGE_READ_DEPTH = 16;
/** Memory for reads queued ahead in ranges mode, in chunks. */
const RANGE_READ_BUDGET_CHUNKS = 4;

async function readFully(handle: FileHandle, buf: Buffer, length: number, position: number): Promise<number> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buf, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

function checkSize(name: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new DatasyncError('USAGE', `${name} must be a whole number of bytes between ${min} and ${max}, got ${value}`);
  }
}

class SyncRun {
  readonly src: OpenVolume;
  readonly dst: OpenVolume;
  readonly bs: number;
  readonly chunk: number;
  readonly opts: SyncOptions;
  readonly zero: Buffer;
  bytesRead = 0;
  bytesCompared = 0;
  bytesWritten = 0;
  changedBlocks = 0;
  lastCountedBlock = -1;
  step = 0;
  total = 0;
  /** What was written, when the written ranges are verified afterwards. */
  readonly written: WrittenRun[] | undefined;

  constructor(src: OpenVolume, dst: OpenVolume, opts: SyncOptions, bs: number, chunk: number) {
    this.src = src;
    this.dst = dst;
    this.opts = opts;
    this.bs = bs;
    this.chunk = chunk;
    this.zero = Buffer.alloc(Math.min(chunk, Math.max(bs, 1)));
    this.written = verificationOf(opts.verify) === 'written' ? [] : undefined;
  }

  async mutation(kind: MutationStep['kind'], offset: number, length: number): Promise<void> {
    this.step++;
    if (this.opts.beforeMutation) await this.opts.beforeMutation({ index: this.step, kind, offset, length });
  }

  async resize(size: number): Promise<void> {
    await this.mutation('resize', size, 0);
    try {
      await this.dst.handle.truncate(size);
    } catch (err) {
      throw describeIoError(err, 'target', this.dst.path, `resizing it to ${size} bytes`);
    }
  }

  /** Writes buf[from, from + length) at `position` of the target and counts the blocks it touches. */
  async write(buf: Buffer, from: number, length: number, position: number): Promise<void> {
    if (this.opts.beforeMutation) await this.mutation('write', position, length);
    else this.step++;
    let done = 0;
    try {
      while (done < length) done += writeSync(this.dst.handle.fd, buf, from + done, length - done, position + done);
    } catch (err) {
      throw describeIoError(err, 'target', this.dst.path, `write ${length} bytes at offset ${position + done} of`);
    }
    this.bytesWritten += length;
    if (this.written)
      this.written.push({ offset: position, length, digest: digest(buf.subarray(from, from + length)) });
    const first = Math.max(Math.floor(position / this.bs), this.lastCountedBlock + 1);
    const last = Math.floor((position + length - 1) / this.bs);
    if (last >= first) this.changedBlocks += last - first + 1;
    this.lastCountedBlock = Math.max(this.lastCountedBlock, last);
  }

  async readSource(buf: Buffer, length: number, position: number): Promise<void> {
    let n: number;
    try {
      n = await readFully(this.src.handle, buf, length, position);
    } catch (err) {
      throw describeIoError(err, 'source', this.src.path, `read ${length} bytes at offset ${position} of`);
    }
    this.bytesRead += n;
    if (n !== length)
      throw new DatasyncError(
        'IO',
        `source ${this.src.path} ended at ${position + n} bytes, before its size of ${this.src.size} bytes when opened: was it modified during the sync?`,
      );
  }

  async readTarget(buf: Buffer, length: number, position: number): Promise<void> {
    let n: number;
    try {
      n = await readFully(this.dst.handle, buf, length, position);
    } catch (err) {
      throw describeIoError(err, 'target', this.dst.path, `read ${length} bytes at offset ${position} of`);
    }
    this.bytesRead += n;
    if (n !== length)
      throw new DatasyncError(
        'IO',
        `target ${this.dst.path} ended at ${position + n} bytes, before the ${position + length} bytes expected: was it modified during the sync?`,
      );
  }

  progress(phase: ProgressInfo['phase'], done: number, total: number): void {
    this.opts.onProgress?.({ phase, done, total, bytesWritten: this.bytesWritten });
  }

  isZero(buf: Buffer, start: number, end: number): boolean {
    for (let p = start; p < end; p += this.zero.length) {
      const e = Math.min(p + this.zero.length, end);
      if (buf.compare(this.zero, 0, e - p, p, e) !== 0) return false;
    }
    return true;
  }

  /** Resizes a file target to the source's size, or checks that a device target is large enough. */
  checkDeviceTarget(): void {
    if (this.dst.kind === 'block' && this.dst.size < this.src.size) {
      throw new DatasyncError(
        'SIZE_UNSUPPORTED',
        `target device ${this.dst.path} holds ${this.dst.size} bytes, less than the source's ${this.src.size} bytes: expand the target volume first`,
      );
    }
  }

  // ---- compare mode ---------------------------------------------------------------------------

  async syncCompare(): Promise<void> {
    const size = this.src.size;
    this.checkDeviceTarget();
    /** Offsets from here on are a fresh ftruncate hole in the target: known zero, not read. */
    let knownZeroFrom = Number.POSITIVE_INFINITY;
    if (this.dst.kind === 'file' && this.dst.size !== size) {
      await this.resize(size);
      if (size > this.dst.size) knownZeroFrom = this.dst.size;
    }
    this.total = size;
    await compareAndWrite(this, size, knownZeroFrom);
  }

  // ---- ranges mode ----------------------------------------------------------------------------

  /**
   * Order of work, chosen so that a run killed at any point and re-run still ends equal to the
   * source: (1) a shrinking file target is truncated; (2) the listed ranges inside the target's
   * current size are copied; (3) a growing file target gets the source's tail copied in ascending
   * order by writes past its end (zero blocks skipped), then (4) is extended to the source's size.
   * If (3) dies half-way the target's size marks how far it got, and the re-run starts there.
   * Returns the number of merged ranges copied in (2).
   */
  async syncRanges(ranges: readonly ByteRange[] | RangeStream): Promise<number> {
    const size = this.src.size;
    this.checkDeviceTarget();
    let current = this.dst.kind === 'file' ? this.dst.size : size;
    if (this.dst.kind === 'file' && current > size) {
      await this.resize(size);
      current = size;
    }
    const tail: ByteRange[] = current < size ? [{ offset: current, length: size - current }] : [];
    let count: number;
    if (isRangeList(ranges)) {
      const listed = normalizeRanges(ranges, current);
      this.total = totalLength(listed) + totalLength(tail);
      await this.copyRanges(listed, false);
      count = listed.length;
    } else {
      // A stream's total is not known before its end: progress counts what was copied so far.
      this.total = totalLength(tail);
      count = await this.copyWindows(this.streamWindows(ranges, current), false);
    }
    if (tail.length > 0) {
      await this.copyRanges(tail, true);
      await this.resize(size);
    }
    return count;
  }

  /** The windows of a stream of ascending ranges, clipped to [0, limit); counts the merged ranges. */
  async *streamWindows(stream: RangeStream, limit: number): AsyncGenerator<RangeWindow, void, undefined> {
    const windower = new RangeWindower(this.chunk, limit);
    for await (const batch of stream) {
      for (const r of batch) yield* windower.push(r);
    }
    yield* windower.flush();
    this.streamRanges = windower.ranges;
  }

  streamRanges = 0;

  /** Copies listed (normalized) ranges. */
  async copyRanges(ranges: readonly ByteRange[], targetKnownZero: boolean): Promise<void> {
    const windower = new RangeWindower(this.chunk, Number.POSITIVE_INFINITY);
    const windows: RangeWindow[] = [];
    for (const r of ranges) windows.push(...windower.push(r));
    windows.push(...windower.flush());
    await this.copyWindows(windows, targetKnownZero);
  }

  /**
   * Copies windows of the source to the target. Source reads are issued ahead, up to
   * RANGE_READ_DEPTH reads and RANGE_READ_BUDGET_CHUNKS chunks of memory in flight, so the disk
   * always has requests queued (small random reads are latency-bound); writes follow in order.
   * The windows are pulled while earlier ones are copied, so a stream is copied as it arrives.
   * Returns the number of merged ranges a stream held (0 for a list).
   */
  async copyWindows(
    windows: Iterable<RangeWindow> | AsyncIterable<RangeWindow>,
    targetKnownZero: boolean,
  ): Promise<number> {
    const budget = RANGE_READ_BUDGET_CHUNKS * this.chunk;
    const scratch = Buffer.allocUnsafe(this.chunk);
    interface Queued {
      readonly window: RangeWindow;
      readonly buf: Buffer;
      readonly read: Promise<void>;
    }
    const queue: Queued[] = [];
    let queuedBytes = 0;
    // Shared with the reader below (an object: TypeScript does not narrow captured lets).
    const state = { ended: false, stopped: false };
    let failure: { readonly error: unknown } | undefined;
    const consumer = new Signal();
    const producer = new Signal();
    const produce = (async () => {
      try {
        for await (const window of windows) {
          while (
            !state.stopped &&
            (queue.length >= RANGE_READ_DEPTH || (queue.length > 0 && queuedBytes + window.length > budget))
          )
            await producer.wait();
          if (state.stopped) break; // leaving the loop closes the stream
          const buf = Buffer.allocUnsafe(window.length);
          const read = this.readSource(buf, window.length, window.offset);
          read.catch(() => undefined); // handled where awaited
          queue.push({ window, buf, read });
          queuedBytes += window.length;
          consumer.notify();
        }
      } catch (err) {
        failure = { error: err };
      } finally {
        state.ended = true;
        consumer.notify();
      }
    })();
    try {
      for (;;) {
        while (queue.length === 0 && !state.ended) await consumer.wait();
        const head = queue.shift();
        if (head === undefined) break;
        producer.notify();
        await head.read;
        queuedBytes -= head.window.length;
        producer.notify();
        const w = head.window;
        for (const part of w.parts)
          await this.copyPart(head.buf, part.offset - w.offset, part, targetKnownZero, scratch);
        this.bytesCompared += totalLength(w.parts);
        this.progress('sync', this.bytesCompared, Math.max(this.total, this.bytesCompared));
      }
    } finally {
      state.stopped = true;
      producer.notify();
      await produce;
    }
    if (failure !== undefined) throw failure.error;
    return this.streamRanges;
  }

  /**
   * Writes one part (already read into buf at `from`). Blocks that are zero in the source are
   * only written when the target does not already read as zero there, so holes stay holes.
   */
  async copyPart(buf: Buffer, from: number, part: ByteRange, targetKnownZero: boolean, scratch: Buffer): Promise<void> {
    const bs = this.bs;
    const end = part.offset + part.length;
    let run = -1; // target offset where the current run of bytes to write starts
    const flush = async (until: number): Promise<void> => {
      if (run >= 0) await this.write(buf, from + run - part.offset, until - run, run);
      run = -1;
    };
    for (let b = part.offset; b < end;) {
      const e = Math.min((Math.floor(b / bs) + 1) * bs, end); // to the next block boundary
      let needed = true;
      if (this.isZero(buf, from + b - part.offset, from + e - part.offset)) {
        if (targetKnownZero) needed = false;
        else {
          await this.readTarget(scratch, e - b, b);
          needed = !this.isZero(scratch, 0, e - b);
        }
      }
      if (needed) {
        if (run < 0) run = b;
      } else await flush(b);
      b = e;
    }
    await flush(end);
  }

  // ---- end of run -----------------------------------------------------------------------------

  async fsync(): Promise<void> {
    await this.mutation('fsync', 0, 0);
    try {
      await this.dst.handle.sync();
    } catch (err) {
      throw describeIoError(err, 'target', this.dst.path, 'fsync');
    }
  }

  /**
   * Re-reads every run written from the target and compares it with the digest of what was
   * written. Runs are at most a chunk long (a write never spans chunks); reads are queued ahead as
   * in ranges mode, since the runs may be small and scattered.
   */
  async verifyWritten(): Promise<void> {
    const runs = this.written ?? [];
    const total = runs.reduce((n, r) => n + r.length, 0);
    let next = 0;
    let done = 0;
    const queue: { run: WrittenRun; buf: Buffer; read: Promise<void> }[] = [];
    const fill = (): void => {
      while (next < runs.length && queue.length < RANGE_READ_DEPTH) {
        const run = runs[next++] as WrittenRun;
        const buf = Buffer.allocUnsafe(run.length);
        const read = this.readTarget(buf, run.length, run.offset);
        read.catch(() => undefined); // handled where awaited
        queue.push({ run, buf, read });
      }
    };
    fill();
    for (let head = queue.shift(); head; head = queue.shift()) {
      await head.read;
      fill();
      if (!digest(head.buf).equals(head.run.digest))
        throw new DatasyncError(
          'VERIFY_MISMATCH',
          `verification failed: target ${this.dst.path} does not hold the ${String(head.run.length)} bytes written at offset ${String(head.run.offset)}`,
        );
      done += head.run.length;
      this.progress('verify', done, total);
    }
  }

  /** SHA-256 of [0, size) of both sides, read in parallel. */
  async verify(): Promise<string> {
    const size = this.src.size;
    if (this.dst.kind === 'file') {
      const st = await this.dst.handle.stat();
      if (st.size !== size)
        throw new DatasyncError(
          'VERIFY_MISMATCH',
          `verification failed: target ${this.dst.path} is ${st.size} bytes, source ${size} bytes`,
        );
    }
    const hs = createHash('sha256');
    const ht = createHash('sha256');
    const bufSize = Math.max(1, Math.min(this.chunk, size));
    const bufs = [Buffer.allocUnsafe(bufSize), Buffer.allocUnsafe(bufSize)];
    for (let off = 0; off < size; off += bufSize) {
      const n = Math.min(bufSize, size - off);
      const [a, b] = bufs as [Buffer, Buffer];
      await Promise.all([this.readSource(a, n, off), this.readTarget(b, n, off)]);
      hs.update(a.subarray(0, n));
      ht.update(b.subarray(0, n));
      this.progress('verify', off + n, size);
    }
    const [ds, dt] = [hs.digest('hex'), ht.digest('hex')];
    if (ds !== dt)
      throw new DatasyncError(
        'VERIFY_MISMATCH',
        `verification failed: source ${this.src.path} sha256 ${ds}, target ${this.dst.path} sha256 ${dt}`,
      );
    return ds;
  }
}

/**
 * Makes `target` equal to `source` by writing only the blocks that differ (or, in ranges mode, the
 * listed ranges), fsyncs it, optionally verifies it, and returns the summary of the run.
 */
export async function syncVolumes(opts: SyncOptions): Promise<SyncSummary> {
  const started = performance.now();
  const bs = opts.blockSize ?? DEFAULT_BLOCK_SIZE;
  checkSize('block size', bs, 1, MAX_BLOCK_SIZE);
  const requestedChunk = opts.chunkSize ?? (opts.ranges ? DEFAULT_CHUNK_SIZE : DEFAULT_COMPARE_CHUNK_SIZE);
  checkSize('chunk size', requestedChunk, 1, 1024 * MiB);
  const chunk = Math.max(bs, Math.ceil(requestedChunk / bs) * bs);
  const src = await openVolume(opts.source, 'source');
  let dst: OpenVolume;
  try {
    dst = await openVolume(opts.target, 'target');
  } catch (err) {
    await src.handle.close();
    throw err;
  }
  try {
    if (src.dev === dst.dev && src.ino === dst.ino)
      throw new DatasyncError('SAME_FILE', `source ${src.path} and target ${dst.path} are the same file`);
    const run = new SyncRun(src, dst, opts, bs, chunk);
    const verification = verificationOf(opts.verify);
    let rangeCount: number | undefined;
    if (opts.ranges) rangeCount = await run.syncRanges(opts.ranges);
    else await run.syncCompare();
    await run.fsync();
    if (verification === 'written') await run.verifyWritten();
    const sha256 = verification === 'full' ? await run.verify() : undefined;
    const seconds = (performance.now() - started) / 1000;
    const targetBytesAfter = dst.kind === 'file' ? src.size : dst.size;
    return {
      ok: true,
      mode: opts.ranges ? 'ranges' : 'compare',
      source: src.path,
      target: dst.path,
      sourceKind: src.kind,
      targetKind: dst.kind,
      sourceBytes: src.size,
      targetBytesBefore: dst.size,
      targetBytesAfter,
      blockSize: bs,
      bytesRead: run.bytesRead,
      bytesCompared: run.bytesCompared,
      bytesWritten: run.bytesWritten,
      changedBlocks: run.changedBlocks,
      ...(rangeCount === undefined ? {} : { ranges: rangeCount }),
      seconds: Math.round(seconds * 1000) / 1000,
      mibPerSecond: seconds > 0 ? Math.round((run.bytesCompared / MiB / seconds) * 10) / 10 : 0,
      verified: verification !== 'none',
      verification,
      ...(sha256 === undefined ? {} : { sha256 }),
    };
  } finally {
    await Promise.allSettled([src.handle.close(), dst.handle.close()]);
  }
}

function verificationOf(v: SyncOptions['verify']): Verification {
  if (v === true) return 'full';
  if (v === false || v === undefined) return 'none';
  return v;
}

function digest(buf: Uint8Array): Buffer {
  return createHash('sha256').update(buf).digest();
}

function isRangeList(r: readonly ByteRange[] | RangeStream): r is readonly ByteRange[] {
  return Array.isArray(r);
}

/** Wakes one waiter (or the next one to wait): the hand-off between the copier's reader and writer. */
class Signal {
  #waiter: (() => void) | undefined;
  #pending = false;

  wait(): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#waiter = resolve;
    });
  }

  notify(): void {
    const w = this.#waiter;
    if (w === undefined) {
      this.#pending = true;
      return;
    }
    this.#waiter = undefined;
    w();
  }
}
