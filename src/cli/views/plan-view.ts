// The terminal view of a MaintenancePlan (`kubectl vapp get plan`): phase and progress, window,
// downtime against the budget, the preview, each step with its state, time and progress bar, the
// sync rounds, the conditions and the last Events. Pure: facts in, lines out.
import { bar, bytes, columns, duration, type Palette, secondsSince, truncate } from '../render.ts';
import type { ConditionFacts, EventFacts, PlanFacts, RoundFacts, StepFacts } from './plan-facts.ts';

export interface ViewOptions {
  readonly palette: Palette;
  readonly now: Date;
  /** Cut lines to this many columns (a terminal's width); no limit when undefined. */
  readonly width?: number;
}

const STEP_MARK: Readonly<Record<string, string>> = {
  Succeeded: '✔',
  Running: '◐',
  Failed: '✘',
  Pending: '○',
  Skipped: '⊘',
};

const WAITING = new Set(['AwaitingApproval', 'WaitingForWindow', 'WaitingForCutOverSlot']);

/** The phase with its mark and colour. */
export function phaseLabel(phase: string, suspended: boolean, p: Palette): string {
  if (phase === 'Succeeded') return p.green(`✔ ${phase}`);
  if (phase === 'Failed') return p.red(`✘ ${phase}`);
  if (phase === 'Aborted' || phase === 'RolledBack') return p.yellow(`${phase === 'Aborted' ? '⊘' : '↺'} ${phase}`);
  if (suspended) return p.yellow(`⏸ ${phase} (suspended)`);
  if (WAITING.has(phase)) return p.yellow(`⏸ ${phase}`);
  return p.cyan(`◐ ${phase}`);
}

function stepState(state: string, p: Palette): string {
  const text = `${STEP_MARK[state] ?? '?'} `;
  switch (state) {
    case 'Succeeded':
      return p.green(text);
    case 'Running':
      return p.cyan(text);
    case 'Failed':
      return p.red(text);
    default:
      return p.dim(text);
  }
}

/** "in 2d3h" or "5m ago". */
export function relative(at: string, now: Date): string {
  const s = secondsSince(at, now);
  if (s === undefined) return at;
  return s < 0 ? `in ${duration(-s)}` : `${duration(s)} ago`;
}

/** An instant in a time zone, e.g. "Sat 2026-11-21 02:00 CET". */
export function localTime(at: string, timeZone: string | undefined): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return at;
  try {
    const parts = new Intl.DateTimeFormat('en-GB', {
      timeZone: timeZone ?? 'UTC',
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    }).formatToParts(d);
    const get = (t: string) => parts.find((x) => x.type === t)?.value ?? '';
    return `${get('weekday')} ${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')} ${get('timeZoneName')}`;
  } catch {
    return at;
  }
}

function windowLine(f: PlanFacts, o: ViewOptions): string {
  const p = o.palette;
  const w = f.window;
  if (w.spec === undefined) return 'any time (no window)';
  const zone = /\S+$/.exec(w.spec)?.[0];
  if (w.open === true)
    return `${w.spec} · ${p.green('open')}${w.closesAt ? `, closes ${localTime(w.closesAt, zone)} (${relative(w.closesAt, o.now)})` : ''}`;
  if (w.open === false)
    return `${w.spec} · ${p.yellow('closed')}${w.opensAt ? `, opens ${localTime(w.opensAt, zone)} (${relative(w.opensAt, o.now)})` : ''}`;
  return w.spec;
}

function downtimeLine(f: PlanFacts, p: Palette): string {
  const d = f.downtime;
  const budget = d.budgetSeconds;
  const parts: string[] = [];
  if (d.measuredSeconds !== undefined) {
    const over = budget !== undefined && d.measuredSeconds > budget;
    const text = `measured ${duration(d.measuredSeconds)}`;
    parts.push(p.bold(over ? p.red(text) : text));
  }
  if (d.projectedSeconds !== undefined) {
    const over = budget !== undefined && d.projectedSeconds > budget;
    const text = `projected ${duration(d.projectedSeconds)}${d.projectedFrom === 'estimate' ? ' (estimate)' : ''}`;
    parts.push(over && d.measuredSeconds === undefined ? p.red(text) : text);
  } else if (d.measuredSeconds === undefined) {
    parts.push('projected -');
  }
  if (budget !== undefined) {
    const shown = d.measuredSeconds ?? d.projectedSeconds;
    const b =
      shown === undefined ? '' : ` ${shown > budget ? p.red(bar(shown, budget, 20)) : p.green(bar(shown, budget, 20))}`;
    parts.push(`budget ${duration(budget)}${b}`);
  }
  return parts.join('  ');
}

function stepRow(s: StepFacts, p: Palette): string[] {
  const progress =
    s.fraction !== undefined
      ? `${s.state === 'Running' ? p.cyan(bar(s.fraction.done, s.fraction.total, 10)) : bar(s.fraction.done, s.fraction.total, 10)} ${s.progress ?? ''}`
      : (s.progress ?? '');
  const state =
    s.state === 'Failed' ? p.red(s.state) : s.state === 'Pending' || s.state === 'Skipped' ? p.dim(s.state) : s.state;
  return [
    `${stepState(s.state, p)}${s.name}`,
    state,
    s.seconds === undefined ? '' : duration(s.seconds),
    [progress, s.message ?? ''].filter((x) => x !== '').join('  '),
  ];
}

function roundRows(rounds: readonly RoundFacts[]): string[][] {
  const extra = rounds.some(
    (r) => r.bytesRead !== undefined || r.bytesWritten !== undefined || r.rangesSource !== undefined,
  );
  const header = ['ROUND', 'BYTES', 'SECONDS', 'RATE', ...(extra ? ['READ', 'WRITTEN', 'RANGES'] : [])];
  return [
    header,
    ...rounds.map((r) => [
      `${String(r.round)}${r.final ? ' (final)' : ''}`,
      bytes(r.bytes),
      r.seconds === undefined ? '-' : `${r.seconds.toFixed(2)}s`,
      r.rate === undefined ? '-' : `${bytes(r.rate)}/s`,
      ...(extra ? [bytes(r.bytesRead), bytes(r.bytesWritten), r.rangesSource ?? '-'] : []),
    ]),
  ];
}

/** The preview: hash, estimated downtime, each update and each component left alone. */
export function previewSection(preview: NonNullable<PlanFacts['preview']>, p: Palette): string[] {
  return [
    `${p.bold('Preview')}  hash ${preview.hash ?? '-'}${preview.estimatedDowntimeSeconds === undefined ? '' : `  estimated downtime ${duration(preview.estimatedDowntimeSeconds)}`}`,
    ...columns(
      [
        ...preview.updates.map((u) => [`${u.member}/${u.component}`, `${u.from} → ${p.green(u.to)}`]),
        ...preview.unchanged.map((u) => [`${u.member}/${u.component}`, p.dim(`${u.level} (unchanged)`)]),
      ],
      '  ',
    ),
  ];
}

/** The whole view, as lines. */
export function planView(f: PlanFacts, o: ViewOptions): string[] {
  const p = o.palette;
  const lines: string[] = [];
  const label = (l: string) => p.bold(l.padEnd(10));
  lines.push(`${p.bold(`MaintenancePlan ${f.name}`)}  ${p.dim(`namespace ${f.namespace} · appliance ${f.appliance}`)}`);
  const progress =
    f.progress === undefined
      ? ''
      : `  ${bar(f.progress.done, f.progress.total)} ${String(f.progress.done)}/${String(f.progress.total)} steps`;
  lines.push(
    `${label('Phase')} ${phaseLabel(f.phase, f.suspended, p)}${progress}${f.elapsedSeconds === undefined ? '' : `  ${p.dim(`elapsed ${duration(f.elapsedSeconds)}`)}`}`,
  );
  if (f.summary !== undefined && f.summary.message !== '')
    lines.push(`${label('Status')} ${f.summary.reason}: ${f.summary.message}`);
  if (f.cleanup !== undefined)
    lines.push(
      `${label('Cleanup')} ${p.yellow(`${f.cleanup.action} then ${f.cleanup.then}`)} (${f.cleanup.reason}): ${f.cleanup.message}`,
    );
  const requests = [
    f.suspended ? 'suspend' : '',
    f.requests.abort ? 'abort' : '',
    f.requests.rollbackNow ? 'rollbackNow' : '',
  ].filter((x) => x !== '');
  if (requests.length > 0) lines.push(`${label('Requested')} ${p.yellow(requests.join(', '))}`);
  const approval =
    f.approval === 'Manual'
      ? `Manual${f.approvedHash ? ` · approved ${f.approvedHash}` : f.phase === 'AwaitingApproval' ? ` · ${p.yellow('waiting for approval')}: kubectl vapp approve ${f.name} -n ${f.namespace}` : ''}`
      : 'Automatic';
  lines.push(`${label('Approval')} ${approval}`);
  lines.push(`${label('Window')} ${windowLine(f, o)}`);
  lines.push(`${label('Downtime')} ${downtimeLine(f, p)}`);
  if (f.downtime.rollbackSeconds !== undefined || f.downtime.rollbackBytes !== undefined)
    lines.push(
      `${label('Rollback')} ${[
        f.downtime.rollbackSeconds === undefined ? '' : `downtime ${duration(f.downtime.rollbackSeconds)}`,
        f.downtime.rollbackBytes === undefined ? '' : `${bytes(f.downtime.rollbackBytes)} synced back from the clone`,
      ]
        .filter((x) => x !== '')
        .join(' · ')}`,
    );
  if (f.downtime.breakdown.length > 0)
    lines.push(`${' '.repeat(11)}${f.downtime.breakdown.map((b) => `${b.part} ${duration(b.seconds)}`).join(' · ')}`);

  if (f.preview !== undefined) {
    lines.push('');
    lines.push(...previewSection(f.preview, p));
  }
  if (f.steps.length > 0) {
    lines.push('');
    lines.push(p.bold('Steps'));
    lines.push(
      ...columns(
        f.steps.map((s) => stepRow(s, p)),
        '  ',
      ),
    );
  }
  if (f.rounds.length > 0) {
    lines.push('');
    lines.push(p.bold('Sync rounds'));
    lines.push(...columns(roundRows(f.rounds), '  '));
  }
  // Conditions still Unknown mirror steps that have not run yet: the Steps list shows them.
  lines.push(...conditionsAndEvents(f, o, { countUnknown: true }));
  return o.width === undefined ? lines : lines.map((l) => truncate(l, o.width ?? 0));
}

/**
 * The last sections of the plan and rollout views: the conditions that are not Unknown (with how
 * many are, when `countUnknown`) and the last Events, each after a blank line; nothing when empty.
 */
export function conditionsAndEvents(
  f: { readonly conditions: readonly ConditionFacts[]; readonly events: readonly EventFacts[] },
  o: ViewOptions,
  opts: { readonly countUnknown: boolean },
): string[] {
  const p = o.palette;
  const lines: string[] = [];
  const settled = f.conditions.filter((c) => c.status !== 'Unknown');
  if (settled.length > 0) {
    const unknown = f.conditions.length - settled.length;
    const note = opts.countUnknown && unknown > 0 ? p.dim(`  (${String(unknown)} more Unknown)`) : '';
    lines.push('', `${p.bold('Conditions')}${note}`);
    lines.push(
      ...columns(
        settled.map((c) => [c.type, c.status === 'True' ? p.green(c.status) : p.yellow(c.status), c.reason, c.message]),
        '  ',
      ),
    );
  }
  if (f.events.length > 0) {
    lines.push('', p.bold('Events'));
    lines.push(
      ...columns(
        f.events.map((e) => [
          e.at === undefined ? '' : relative(e.at, o.now),
          e.type === 'Warning' ? p.red(e.type) : e.type,
          e.reason,
          `${e.message}${e.count > 1 ? p.dim(` (x${String(e.count)})`) : ''}`,
        ]),
        '  ',
      ),
    );
  }
  return lines;
}
