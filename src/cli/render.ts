// Text rendering for the terminal: colours (only on a terminal, and never with NO_COLOR), progress
// bars, trees, aligned columns, and human figures for bytes, durations and ages. Pure.

/** Colours, or plain text when disabled. */
export interface Palette {
  readonly enabled: boolean;
  readonly bold: (s: string) => string;
  readonly dim: (s: string) => string;
  readonly red: (s: string) => string;
  readonly green: (s: string) => string;
  readonly yellow: (s: string) => string;
  readonly blue: (s: string) => string;
  readonly cyan: (s: string) => string;
  readonly magenta: (s: string) => string;
}

export function palette(enabled: boolean): Palette {
  const sgr = (code: string) => (s: string) => (enabled && s !== '' ? `\u001b[${code}m${s}\u001b[0m` : s);
  return {
    enabled,
    bold: sgr('1'),
    dim: sgr('2'),
    red: sgr('31'),
    green: sgr('32'),
    yellow: sgr('33'),
    blue: sgr('34'),
    cyan: sgr('36'),
    magenta: sgr('35'),
  };
}

/** Colours on a terminal unless NO_COLOR is set to anything (https://no-color.org). */
export function colourFor(stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && (env.NO_COLOR ?? '') === '';
}

// eslint-disable-next-line no-control-regex -- colour codes start with ESC
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;

/** The text without colour codes. */
export function stripAnsi(s: string): string {
  return s.replace(ANSI, '');
}

/** Visible width (colour codes do not count; every code point counts one). */
export function visibleLength(s: string): number {
  return [...stripAnsi(s)].length;
}

/** Cuts a line to `width` visible characters (the last one an ellipsis), keeping colour codes. */
export function truncate(s: string, width: number): string {
  if (visibleLength(s) <= width) return s;
  let out = '';
  let seen = 0;
  let i = 0;
  while (i < s.length) {
    // eslint-disable-next-line no-control-regex -- colour codes start with ESC
    const code = /^\u001b\[[0-9;?]*[A-Za-z]/.exec(s.slice(i));
    if (code !== null) {
      out += code[0];
      i += code[0].length;
      continue;
    }
    if (seen >= width - 1) break;
    const ch = String.fromCodePoint(s.codePointAt(i) ?? 32);
    out += ch;
    seen++;
    i += ch.length;
  }
  return `${out}…${s.includes('\u001b[') ? '\u001b[0m' : ''}`;
}

/** Pads to a visible width. */
export function pad(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - visibleLength(s)));
}

/** `[#####.....]` for done out of total. */
export function bar(done: number, total: number, width = 20): string {
  const ratio = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const filled = Math.round(ratio * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** "a/b ..." as numbers, e.g. "2/3 VMs" or "4/10"; undefined when it is not a fraction. */
export function fraction(progress: string | undefined): { done: number; total: number } | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*\/\s*(\d+(?:\.\d+)?)/.exec(progress ?? '');
  if (m === null) return undefined;
  const total = Number(m[2]);
  return total > 0 ? { done: Number(m[1]), total } : undefined;
}

/** Rows as columns separated by two spaces; cells may hold colour codes. */
export function columns(rows: readonly (readonly string[])[], indent = ''): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell))));
  return rows.map((row) =>
    (indent + row.map((cell, i) => (i === row.length - 1 ? cell : pad(cell, widths[i] ?? 0))).join('  ')).trimEnd(),
  );
}

/** A node of a tree: its own line, and children drawn below it. */
export interface TreeNode {
  readonly line: string;
  readonly children?: readonly TreeNode[];
}

/** The tree as lines with ├─ └─ │ guides. */
export function drawTree(root: TreeNode): string[] {
  const lines = [root.line];
  const walk = (nodes: readonly TreeNode[], prefix: string) => {
    nodes.forEach((node, i) => {
      const last = i === nodes.length - 1;
      lines.push(`${prefix}${last ? '└─ ' : '├─ '}${node.line}`);
      walk(node.children ?? [], `${prefix}${last ? '   ' : '│  '}`);
    });
  };
  walk(root.children ?? [], '');
  return lines;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** 782336 → "764 KiB". */
export function bytes(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '-';
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? String(v) : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${UNITS[u] ?? ''}`;
}

/** 5.16 → "5.2s", 42.26 → "42.3s", 135 → "2m15s", 93784 → "1d2h". */
export function duration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '-';
  const s = Math.max(0, seconds);
  if (s < 59.95) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${String(m)}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${String(h)}h${String(m % 60).padStart(2, '0')}m`;
  return `${String(Math.floor(h / 24))}d${String(h % 24)}h`;
}

/** Seconds from an RFC 3339 time to `now` (undefined when absent or unreadable). */
export function secondsSince(at: string | undefined, now: Date): number | undefined {
  if (at === undefined) return undefined;
  const t = Date.parse(at);
  return Number.isNaN(t) ? undefined : (now.getTime() - t) / 1000;
}

/** Seconds between two RFC 3339 times, or to `now` when the end is absent. */
export function secondsBetween(from: string | undefined, to: string | undefined, now: Date): number | undefined {
  if (from === undefined) return undefined;
  const a = Date.parse(from);
  const b = to === undefined ? now.getTime() : Date.parse(to);
  return Number.isNaN(a) || Number.isNaN(b) ? undefined : (b - a) / 1000;
}
