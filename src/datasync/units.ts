// Byte-size parsing and formatting shared by the datasync command, its progress bar and the benchmark.
import { parseQuantity } from '../runtime/quantity.ts';

/**
 * Parses a byte size for the datasync flags with the product's one size grammar, the Kubernetes
 * quantity (src/runtime/quantity.ts): `4096`, `64Ki`, `8Mi`, `1G`; `k`, `M`, `G` are powers of 1000
 * and `Ki`, `Mi`, `Gi` powers of 1024, as in a PVC's size. The IEC spellings `KiB`, `MiB`... are
 * read as `Ki`, `Mi`... Throws on anything else and on sizes beyond 2^53.
 */
export function parseSize(text: string): number {
  const quantity = text.replace(/^(.*[KMGTPE]i)B$/, '$1');
  try {
    return parseQuantity(quantity, 'size');
  } catch (err) {
    throw new Error(`invalid size "${text}" (examples: 4096, 64Ki, 8Mi, 1G): ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** Formats a byte count with binary units, e.g. `1.50 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let i = 0;
  while (Math.abs(value) >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return i === 0 ? `${bytes} B` : `${value.toFixed(2)} ${units[i] ?? ''}`;
}

export const MiB = 1024 * 1024;
