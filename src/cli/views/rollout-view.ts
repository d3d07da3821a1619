// The terminal view of a MaintenanceRollout (`kubectl vapp get rollout`): phase and progress, the
// target of the revision, the counts, the budgets with how much of each is used, the failure budget,
// the next window, each wave with its state and bar, the plans in flight, what needs attention, the
// conditions and the last Events. Pure: facts in, lines out.
import { bar, columns, duration, type Palette, truncate } from '../render.ts';
import { conditionsAndEvents, localTime, phaseLabel, relative, type ViewOptions } from './plan-view.ts';
import type { BudgetFacts, RolloutFacts, WaveFacts } from './rollout-facts.ts';

const WAITING = new Set(['WaitingForWindow', 'AwaitingApproval', 'Soaking']);

/** The rollout's phase with its mark and colour. */
export function rolloutPhaseLabel(phase: string, suspended: boolean, p: Palette): string {
  if (phase === 'Completed') return p.green(`✔ ${phase}`);
  if (phase === 'Aborted') return p.yellow(`⊘ ${phase}`);
  if (phase === 'Paused') return p.red(`⏸ ${phase}`);
  if (phase === 'Suspended' || suspended) return p.yellow(`⏸ ${phase}${phase === 'Suspended' ? '' : ' (suspended)'}`);
  if (WAITING.has(phase)) return p.yellow(`⏸ ${phase}`);
  return p.cyan(`◐ ${phase}`);
}

const WAVE_MARK: Readonly<Record<string, string>> = {
  Completed: '✔',
  Progressing: '◐',
  Soaking: '◑',
  AwaitingApproval: '⏸',
  Pending: '○',
};

function waveRow(w: WaveFacts, rollout: string, current: boolean, o: ViewOptions): string[] {
  const p = o.palette;
  const mark = WAVE_MARK[w.state] ?? '?';
  const name = `${mark} ${w.name}${current ? ' ←' : ''}`;
  const coloured =
    w.state === 'Completed'
      ? p.green(name)
      : w.state === 'Pending'
        ? p.dim(name)
        : w.state === 'AwaitingApproval'
          ? p.yellow(name)
          : p.cyan(name);
  const note =
    w.state === 'Soaking' && w.soakUntil !== undefined
      ? `soaking until ${localTime(w.soakUntil, 'UTC')} (${relative(w.soakUntil, o.now)})`
      : w.awaitingApproval
        ? p.yellow(`waiting for approval: kubectl vapp approve rollout/${rollout} adds it to spec.approvedWaves`)
        : w.gated
          ? p.dim('approval Manual: waits for a person when its turn comes')
          : w.completedAt !== undefined
            ? p.dim(`completed ${relative(w.completedAt, o.now)}`)
            : '';
  return [
    coloured,
    w.state,
    `${bar(w.upToDate, w.appliances, 10)} ${String(w.upToDate)}/${String(w.appliances)} up to date`,
    note,
  ];
}

function budget(name: string, b: BudgetFacts, p: Palette): string {
  const text = `${name} ${String(b.used)}/${String(b.allowed)}${b.spec === undefined ? '' : ` (${b.spec})`}`;
  return b.used > b.allowed ? p.red(text) : b.used === b.allowed && b.allowed > 0 ? p.yellow(text) : text;
}

/** The whole view, as lines. */
export function rolloutView(f: RolloutFacts, o: ViewOptions): string[] {
  const p = o.palette;
  const lines: string[] = [];
  const label = (l: string) => p.bold(l.padEnd(10));
  const c = f.counts;
  lines.push(
    `${p.bold(`MaintenanceRollout ${f.name}`)}  ${p.dim(`namespace ${f.namespace} · revision ${String(f.revision)}`)}`,
  );
  const progress =
    c.selected === 0 ? '' : `  ${bar(c.upToDate, c.selected)} ${String(c.upToDate)}/${String(c.selected)} up to date`;
  lines.push(
    `${label('Phase')} ${rolloutPhaseLabel(f.phase, f.suspended, p)}${progress}${f.elapsedSeconds === undefined ? '' : `  ${p.dim(`elapsed ${duration(f.elapsedSeconds)}`)}`}`,
  );
  if (f.summary !== undefined && f.summary.message !== '')
    lines.push(`${label('Status')} ${f.summary.reason}: ${f.summary.message}`);
  const requests = [f.suspended ? 'suspend' : '', f.abortRequested ? 'abort' : ''].filter((x) => x !== '');
  if (requests.length > 0) lines.push(`${label('Requested')} ${p.yellow(requests.join(', '))}`);
  if (f.approvalWave !== undefined)
    lines.push(
      `${label('Approval')} ${p.yellow(`wave ${f.approvalWave} waits for a person`)}: kubectl vapp approve rollout/${f.name} -n ${f.namespace}`,
    );
  lines.push(`${label('Target')} ${f.target}${f.followsLatest ? p.dim(' · follows the latest') : ''}`);
  const figures: [number, string, (s: string) => string][] = [
    [c.selected, 'selected', (s) => s],
    [c.upToDate, 'up to date', p.green],
    [c.pending, 'pending', (s) => s],
    [c.inFlight, 'in flight', p.cyan],
    [c.waitingForSlot, 'waiting for a slot', p.yellow],
    [c.waitingForWindow, 'waiting for a window', p.yellow],
    [c.cuttingOver, 'cutting over', p.cyan],
    [c.failed, 'failed', p.red],
    [c.rolledBack, 'rolled back', p.red],
    [c.held, 'held', p.yellow],
    [c.unavailable, 'unavailable', p.red],
  ];
  // Zero counts past the first four say nothing: leave them out.
  lines.push(
    `${label('Appliances')} ${figures
      .filter(([n], i) => i < 4 || n > 0)
      .map(([n, what, colour]) => (n > 0 ? colour(`${String(n)} ${what}`) : `${String(n)} ${what}`))
      .join(' · ')}`,
  );
  const fl = f.failures;
  const failures = `failures ${String(fl.count - fl.acknowledged)}/${String(fl.allowed)}${fl.acknowledged > 0 ? ` (+${String(fl.acknowledged)} acknowledged)` : ''}${fl.maxConsecutive === undefined ? '' : ` · in a row ${String(fl.consecutive)}/${String(fl.maxConsecutive)}`}`;
  lines.push(
    `${label('Budgets')} ${[
      budget('in flight', f.budgets.inFlight, p),
      budget('cutting over', f.budgets.cuttingOver, p),
      budget('unavailable', f.budgets.unavailable, p),
      fl.exceeded ? p.red(`${failures} · spent: ${fl.action === 'Pause' ? 'paused' : 'continuing'}`) : failures,
    ].join(' · ')}`,
  );
  if (fl.exceeded && fl.action === 'Pause')
    lines.push(
      `${' '.repeat(11)}${p.yellow(
        `look at what needs attention, then \`kubectl vapp acknowledge ${f.name} -n ${f.namespace}\` (spec.acknowledgedFailures → ${String(fl.count)}) to go on`,
      )}`,
    );
  if (f.nextWindowStart !== undefined)
    lines.push(
      `${label('Window')} next opens ${localTime(f.nextWindowStart, 'UTC')} (${relative(f.nextWindowStart, o.now)})`,
    );

  if (f.waves.length > 0) {
    lines.push('');
    lines.push(p.bold('Waves'));
    lines.push(
      ...columns(
        f.waves.map((w) => waveRow(w, f.name, w.name === f.currentWave && !f.ended, o)),
        '  ',
      ),
    );
  }
  if (f.inFlight.length > 0) {
    lines.push('');
    lines.push(p.bold('In flight'));
    lines.push(
      ...columns(
        [
          ['APPLIANCE', 'PLAN', 'WAVE', 'PHASE', 'CUT-OVER SLOT'],
          ...f.inFlight.map((x) => [
            x.appliance,
            x.plan,
            x.wave,
            x.phase === undefined ? p.dim('-') : phaseLabel(x.phase, false, p),
            x.cutOverSlot ? p.cyan('yes') : p.dim('no'),
          ]),
        ],
        '  ',
      ),
    );
  }
  if (f.needsAttention.length > 0) {
    lines.push('');
    lines.push(p.bold(p.red('Needs attention')));
    lines.push(
      ...columns(
        [
          ['APPLIANCE', 'PLAN', 'REASON', 'SINCE', 'MESSAGE'],
          ...f.needsAttention.map((x) => [
            x.appliance,
            x.plan ?? '-',
            x.reason === 'Held' || x.reason === 'Locked' ? p.yellow(x.reason) : p.red(x.reason),
            x.since === undefined ? '' : relative(x.since, o.now),
            x.message,
          ]),
        ],
        '  ',
      ),
    );
  }
  lines.push(...conditionsAndEvents(f, o, { countUnknown: false }));
  return o.width === undefined ? lines : lines.map((l) => truncate(l, o.width ?? 0));
}
