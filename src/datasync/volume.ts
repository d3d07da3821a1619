// Opening the two sides of a sync: regular files (the disk.img of a filesystem-mode volume) or block
// devices (a volume attached through volumeDevices), with their sizes.
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { DatasyncError, describeIoError, type Side } from './errors.ts';

export type VolumeKind = 'file' | 'block';

export interface OpenVolume {
  readonly path: string;
  readonly handle: FileHandle;
  readonly kind: VolumeKind;
  /** Size in bytes when opened. */
  readonly size: number;
  readonly dev: bigint;
  readonly ino: bigint;
}

/** Splits a Linux dev_t into major and minor numbers (glibc's gnu_dev_major/minor). */
export function splitDevice(rdev: bigint): { major: bigint; minor: bigint } {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return { major, minor };
}

async function readFully(handle: FileHandle, buf: Buffer, position: number): Promise<number> {
  let done = 0;
  while (done < buf.length) {
    const { bytesRead } = await handle.read(buf, done, buf.length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

/**
 * Finds the size of something that can be read with pread but does not report its size (a block
 * device seen without sysfs): the largest 512-byte sector that still returns data, by exponential
 * then binary search (about 2 × log2(sectors) one-byte reads).
 */
export async function probeSizeByReading(handle: FileHandle, granularity = 512): Promise<number> {
  const one = Buffer.alloc(1);
  const readable = async (unit: number): Promise<boolean> => (await readFully(handle, one, unit * granularity)) === 1;
  if (!(await readable(0))) return 0;
  let lo = 0; // readable
  let hi = 1; // probe upwards until unreadable
  while (await readable(hi)) {
    lo = hi;
    hi *= 2;
    if (hi * granularity > Number.MAX_SAFE_INTEGER)
      throw new DatasyncError('SIZE_UNSUPPORTED', 'device is larger than 2^53 bytes');
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (await readable(mid)) lo = mid;
    else hi = mid;
  }
  // The last readable unit may be partial (only for files; devices are whole sectors).
  const tail = Buffer.alloc(granularity);
  return lo * granularity + (await readFully(handle, tail, lo * granularity));
}

/** Size of a block device: sysfs (`/sys/dev/block/MAJ:MIN/size`, in 512-byte sectors), else probing. */
export async function blockDeviceSize(handle: FileHandle, rdev: bigint, sysfs = '/sys'): Promise<number> {
  const { major, minor } = splitDevice(rdev);
  try {
    const sectors = Number((await readFile(`${sysfs}/dev/block/${major}:${minor}/size`, 'utf8')).trim());
    if (Number.isSafeInteger(sectors * 512) && sectors >= 0) return sectors * 512;
  } catch {
    // no sysfs in this container: fall through
  }
  return probeSizeByReading(handle);
}

/** Opens `path` for reading (source) or reading and writing (target) and classifies it. */
export async function openVolume(path: string, side: Exclude<Side, 'ranges'>): Promise<OpenVolume> {
  let handle: FileHandle;
  try {
    handle = await open(path, side === 'source' ? 'r' : 'r+');
  } catch (err) {
    throw describeIoError(err, side, path, 'open');
  }
  try {
    const st = await handle.stat({ bigint: true });
    let kind: VolumeKind;
    let size: number;
    if (st.isFile()) {
      kind = 'file';
      if (st.size > BigInt(Number.MAX_SAFE_INTEGER))
        throw new DatasyncError('SIZE_UNSUPPORTED', `${side} ${path} is larger than 2^53 bytes`);
      size = Number(st.size);
    } else if (st.isBlockDevice()) {
      kind = 'block';
      size = await blockDeviceSize(handle, st.rdev);
    } else {
      throw new DatasyncError('NOT_FILE_OR_DEVICE', `${side} ${path} is neither a regular file nor a block device`);
    }
    return { path, handle, kind, size, dev: st.dev, ino: st.ino };
  } catch (err) {
    await handle.close();
    throw describeIoError(err, side, path, 'inspect');
  }
}
