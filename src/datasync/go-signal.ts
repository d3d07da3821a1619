// The final round's warm worker waits for its go: the worker Pod is started before the original is
// stopped, with its volumes attached, and copies only once the operator says the original is down.
// The go is an annotation on the worker's own Pod, which the kubelet projects into a downwardAPI
// volume file when the Pod is updated (it remounts downwardAPI volumes on every Pod update, so the
// file changes within the kubelet's volume reconcile, not its periodic sync). The worker watches the
// file's directory (inotify: the kubelet swaps a `..data` symlink) and needs no API access at all.
import { watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DatasyncError } from './errors.ts';

/** Resolves once `path` holds a non-empty value (the go); rejects on `signal`. Returns the value. */
export async function waitForGo(path: string, signal?: AbortSignal): Promise<string> {
  const read = async (): Promise<string> => {
    try {
      return (await readFile(path, 'utf8')).trim();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw new DatasyncError('USAGE', `cannot read the go file ${path}: ${(err as Error).message}`);
    }
  };
  // The watch starts before the first read, so a go written in between is not missed.
  const changes = watch(dirname(path), { persistent: true, ...(signal ? { signal } : {}) });
  try {
    const next = (): Promise<void> =>
      new Promise((resolve, reject) => {
        const done = (): void => {
          changes.off('change', done);
          changes.off('error', fail);
          resolve();
        };
        const fail = (err: Error): void => {
          changes.off('change', done);
          changes.off('error', fail);
          reject(err.name === 'AbortError' ? new DatasyncError('IO', 'stopped while waiting for the go') : err);
        };
        changes.once('change', done);
        changes.once('error', fail);
      });
    for (;;) {
      const pending = next();
      pending.catch(() => undefined); // awaited below unless the go is already there
      const value = await read();
      if (value !== '') return value;
      await pending;
    }
  } finally {
    changes.close();
  }
}
