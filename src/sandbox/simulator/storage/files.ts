// File operations on simulated volumes, with one lock per file: the workload's writes and the
// copies made for snapshots and clones exclude each other, so a copy is the file at one instant
// (what a CSI snapshot of a crash-consistent volume is) and every ledgered write is either wholly
// before or wholly after it.
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { copyFile, mkdir, open, rename, rm, stat, truncate } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { syncVolumes } from '../../../datasync/sync.ts';

const execFileAsync = promisify(execFile);

/** Async mutexes by file path. */
export class FileLocks {
  readonly #tails = new Map<string, Promise<void>>();

  /** Runs `fn` while holding the locks of `files` (taken in a fixed order: no deadlock). */
  async with<T>(files: readonly string[], fn: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(files)].sort();
    const releases: (() => void)[] = [];
    try {
      for (const f of sorted) releases.push(await this.#acquire(f));
      return await fn();
    } finally {
      for (const r of releases.reverse()) r();
    }
  }

  async #acquire(file: string): Promise<() => void> {
    const previous = this.#tails.get(file) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.#tails.set(file, tail);
    await previous;
    return () => {
      release();
      if (this.#tails.get(file) === tail) this.#tails.delete(file);
    };
  }
}

export async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

export async function fileSize(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).size;
  } catch {
    return undefined;
  }
}

/** Creates (or truncates) a sparse file of `size` bytes: a new, empty volume. */
export async function createSparse(file: string, size: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const handle = await open(file, 'w');
  try {
    await handle.truncate(size);
  } finally {
    await handle.close();
  }
}

/**
 * Copies `from` to `to` keeping holes: a reflink where the filesystem can (btrfs, XFS: instant,
 * shares blocks), else `cp --sparse=always`, else the datasync engine onto a new sparse file (a block that is zero in the
 * source is never written, so holes stay holes; a plain copy would allocate every byte on ext4).
 * Then grows `to` to `minSize` if it is smaller (a restored volume may be bigger than its snapshot).
 */
export async function copyVolume(from: string, to: string, minSize = 0): Promise<void> {
  await mkdir(path.dirname(to), { recursive: true });
  const tmp = `${to}.tmp-${String(process.pid)}`;
  try {
    await copyFile(from, tmp, constants.COPYFILE_FICLONE_FORCE);
  } catch {
    try {
      // GNU cp skips the source's holes (SEEK_DATA/SEEK_HOLE) and leaves zeros as holes: a 16 GiB
      // volume with a few MiB written copies in a tenth of a second, as a CSI driver's
      // copy-on-write snapshot would be near-instant; reading its holes took minutes on a busy machine.
      await execFileAsync('cp', ['--sparse=always', from, tmp]);
    } catch {
      // No GNU cp: the datasync engine onto an empty file, which it grows with ftruncate (a hole);
      // knowing the new space reads as zero, it reads only the source.
      await createSparse(tmp, 0);
      await syncVolumes({ source: from, target: tmp });
    }
  }
  const size = (await stat(tmp)).size;
  if (size < minSize) await truncate(tmp, minSize);
  await rename(tmp, to);
}

/** Grows a volume file to `size` bytes (an expansion; the new space is a hole). Never shrinks it. */
export async function growTo(file: string, size: number): Promise<void> {
  if (((await fileSize(file)) ?? 0) < size) await truncate(file, size);
}

export async function removeFile(file: string): Promise<void> {
  await rm(file, { force: true });
}

/** Waits until the wall clock has passed `ms` (at most a millisecond or two), so that times around a copy are strictly ordered. */
export async function tickPast(ms: number): Promise<number> {
  while (Date.now() <= ms) await new Promise((r) => setImmediate(r));
  return Date.now();
}
