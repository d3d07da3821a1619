// Follows a MaintenancePlan in the terminal until it ends: each phase change, the running step
// with its progress, a bar of finished steps, and each sync round as it is recorded.
import type { MaintenancePlan } from '../../api/v1alpha1/index.ts';

const TERMINAL = new Set(['Succeeded', 'Failed', 'Aborted', 'RolledBack']);
const BAR = 24;

function bar(progress: string | undefined): string {
  const [done = 0, total = 1] = (progress ?? '0/1').split('/').map(Number);
  const filled = Math.round((done / Math.max(1, total)) * BAR);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ${progress ?? ''}`;
}

/** Polls the plan (`read`) until a terminal phase; returns the last version. */
export async function followPlan(
  read: () => Promise<MaintenancePlan>,
  out: NodeJS.WritableStream,
  timeoutMs: number,
): Promise<MaintenancePlan> {
  const t0 = Date.now();
  const seconds = () => `${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s`;
  let lastLine = '';
  let rounds = 0;
  for (;;) {
    const plan = await read();
    const s = plan.status;
    for (const r of (s?.syncRounds ?? []).slice(rounds)) {
      out.write(
        `    ${seconds()}  sync round ${String(r.round)}: ${String(r.bytes)} bytes changed since the last round, copied in ${r.seconds.toFixed(2)} s\n`,
      );
    }
    rounds = s?.syncRounds.length ?? 0;
    const running = s?.steps.find((x) => x.state === 'Running' || x.state === 'Failed');
    const line = `${bar(s?.progress)}  ${(s?.phase ?? 'Pending').padEnd(16)} ${running ? `${running.name}: ${running.message ?? ''}${running.progress ? ` (${running.progress})` : ''}` : ''}`;
    if (line !== lastLine) {
      out.write(`    ${seconds()}  ${line}\n`);
      lastLine = line;
    }
    if (s?.phase !== undefined && TERMINAL.has(s.phase)) return plan;
    if (Date.now() - t0 > timeoutMs)
      throw new Error(`the plan did not finish within ${String(timeoutMs / 1000)} s (phase ${s?.phase ?? 'none'})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
