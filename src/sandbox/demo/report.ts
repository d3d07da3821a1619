// Terminal output of the demo: steps, waits with a spinner-free elapsed counter, tables, summary.
const tty = (out: NodeJS.WritableStream): boolean => (out as { isTTY?: boolean }).isTTY === true;

export interface Reporter {
  step(text: string): void;
  done(text: string): void;
  since(t0: number): string;
  waitFor<T>(what: string, probe: () => Promise<T | false>, timeoutMs: number): Promise<T>;
  table(header: readonly string[], rows: readonly (readonly string[])[]): void;
  /** Prints the checks; true when all hold. */
  summary(checks: readonly (readonly [string, boolean])[], elapsedMs: number): boolean;
}

export function createReporter(out: NodeJS.WritableStream): Reporter {
  const color = tty(out);
  const paint = (code: string, s: string) => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const since = (t0: number) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
  return {
    since,
    step: (text) => out.write(`\n${paint('1', '==>')} ${text}\n`),
    done: (text) => out.write(`    ${paint('32', '✓')} ${text}\n`),
    async waitFor(what, probe, timeoutMs) {
      const t0 = Date.now();
      for (;;) {
        const value = await probe().catch(() => false as const);
        if (value !== false) {
          out.write(`    ${paint('32', '✓')} ${what} (${since(t0)})\n`);
          return value;
        }
        if (Date.now() - t0 > timeoutMs)
          throw new Error(`timed out after ${String(timeoutMs / 1000)} s waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    table(header, rows) {
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
      const line = (cells: readonly string[]) => `    ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}\n`;
      out.write(line(header));
      for (const row of rows) out.write(line(row));
    },
    summary(checks, elapsedMs) {
      out.write(`\n${paint('1', 'Summary')} (${(elapsedMs / 1000).toFixed(1)} s)\n`);
      for (const [text, ok] of checks) out.write(`    ${ok ? paint('32', 'PASS') : paint('31', 'FAIL')} ${text}\n`);
      const ok = checks.length > 0 && checks.every(([, pass]) => pass);
      out.write(ok ? `\n${paint('32', 'demo passed')}\n` : `\n${paint('31', 'demo failed')}\n`);
      return ok;
    },
  };
}
