// Byte-size parsing and formatting shared by the datasync command, its progress bar and the benchmark.

const UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1000 ** 4,
  tib: 1024 ** 4,
};

/**
 * Parses a byte size such as `4096`, `64KiB`, `64k`, `8MiB` or `1.5G` (k, M, G, T and the KiB forms
 * are powers of 1024; kB, MB, GB, TB are powers of 1000). Throws on anything else, on fractions of a
 * byte and on sizes beyond 2^53.
 */
export function parseSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = match?.[2]?.toLowerCase() ?? '';
  const factor = UNITS[unit];
  if (!match?.[1] || factor === undefined) throw new Error(`invalid size "${text}" (examples: 4096, 64KiB, 8MiB, 1G)`);
  const value = Number(match[1]) * factor;
  if (!Number.isSafeInteger(value)) throw new Error(`invalid size "${text}": not a whole number of bytes below 2^53`);
  return value;
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
