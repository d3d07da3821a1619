// Progress of a datasync run on the terminal: a bar with bytes and rate, redrawn in place on
// stderr (never on stdout, which carries only the JSON summary). Hand-written: it is small.
import type { ProgressInfo } from './sync.ts';
import { formatBytes, MiB } from './units.ts';

export type ProgressMode = 'auto' | 'bar' | 'json' | 'none';

export interface ProgressReporter {
  update(p: ProgressInfo): void;
  /** Draws the final state and ends the line. */
  finish(): void;
}

/** One line of the progress bar, e.g. `sync   [#####.....]  50%  1.00 GiB / 2.00 GiB  812.3 MiB/s  written 4.00 MiB`. */
export function renderBar(p: ProgressInfo, seconds: number, width = 30): string {
  const fraction = p.total > 0 ? Math.min(1, p.done / p.total) : 1;
  const filled = Math.round(fraction * width);
  const rate = seconds > 0 ? p.done / MiB / seconds : 0;
  const pct = `${Math.floor(fraction * 100)}%`.padStart(4);
  return `${p.phase.padEnd(6)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}  ${formatBytes(p.done)} / ${formatBytes(p.total)}  ${rate.toFixed(1)} MiB/s  written ${formatBytes(p.bytesWritten)}`;
}

interface Stream {
  readonly isTTY?: boolean;
  write(s: string): boolean;
}

/**
 * `bar` redraws a bar in place (at most 10 times a second); `json` prints one JSON object per line
 * (at most 5 a second, plus the last); `auto` is `bar` on a terminal and `none` otherwise.
 */
export function createProgressReporter(
  mode: ProgressMode,
  stream: Stream = process.stderr,
  now: () => number = () => performance.now(),
): ProgressReporter {
  const effective = mode === 'auto' ? (stream.isTTY ? 'bar' : 'none') : mode;
  if (effective === 'none') return { update: () => undefined, finish: () => undefined };
  const interval = effective === 'bar' ? 100 : 200;
  let phase: ProgressInfo['phase'] | undefined;
  let phaseStart = now();
  let lastDraw = Number.NEGATIVE_INFINITY;
  let last: ProgressInfo | undefined;
  let drawn: ProgressInfo | undefined;
  const draw = (p: ProgressInfo): void => {
    const seconds = (now() - phaseStart) / 1000;
    drawn = p;
    if (effective === 'bar') stream.write(`\r${renderBar(p, seconds)}\x1b[K`);
    else
      stream.write(
        `${JSON.stringify({ progress: p.phase, done: p.done, total: p.total, bytesWritten: p.bytesWritten, seconds: Math.round(seconds * 1000) / 1000 })}\n`,
      );
  };
  return {
    update(p) {
      if (p.phase !== phase) {
        if (last && effective === 'bar') {
          if (drawn !== last) draw(last);
          stream.write('\n');
        }
        phase = p.phase;
        phaseStart = now();
        lastDraw = Number.NEGATIVE_INFINITY;
      }
      last = p;
      const t = now();
      if (t - lastDraw >= interval || p.done >= p.total) {
        lastDraw = t;
        draw(p);
      }
    },
    finish() {
      if (!last) return;
      if (drawn !== last) draw(last);
      if (effective === 'bar') stream.write('\n');
    },
  };
}
