// The vapp dashboard page: draws the state that `kubectl vapp dashboard` streams (server-sent
// events; see src/cli/dashboard/state.ts for its shape) and sends the requests a person confirms.
// Plain browser JavaScript and inline SVG: no framework, no build step.

const token = document.querySelector('meta[name="vapp-token"]')?.getAttribute('content') ?? '';
const SVG = 'http://www.w3.org/2000/svg';
/** Plans whose "more" section the user opened (kept across redraws). */
const opened = new Set();
let state;

// ---- DOM helpers -----------------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  return fill(node, attrs, children);
}

function svg(tag, attrs = {}, ...children) {
  return fill(document.createElementNS(SVG, tag), attrs, children);
}

function fill(node, attrs, children) {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false || v === null) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

// ---- figures ---------------------------------------------------------------------------------

function bytes(n) {
  if (n === undefined || n === null) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}

function duration(s) {
  if (s === undefined || s === null) return '-';
  s = Math.max(0, s);
  if (s < 59.95) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${h % 24}h`;
}

/** A span whose text says how long ago (or until) `at`, kept current by tick(). */
function relative(at) {
  return el('span', { class: 'rel', 'data-at': at, title: new Date(at).toLocaleString() }, relativeText(at));
}

function relativeText(at) {
  const s = (Date.now() - Date.parse(at)) / 1000;
  return s < 0 ? `in ${duration(-s)}` : `${duration(s)} ago`;
}

function tick() {
  for (const node of document.querySelectorAll('.rel[data-at]')) node.textContent = relativeText(node.dataset.at);
}

const TERMINAL = new Set(['Succeeded', 'Failed', 'Aborted', 'RolledBack']);

function phaseClass(phase, suspended) {
  if (phase === 'Succeeded') return 'ok';
  if (phase === 'Failed') return 'bad';
  if (phase === 'Aborted' || phase === 'RolledBack' || suspended) return 'warn';
  if (phase === 'AwaitingApproval' || phase === 'WaitingForWindow' || phase === 'WaitingForCutOverSlot') return 'wait';
  return 'run';
}

// ---- appliances ------------------------------------------------------------------------------

function applianceCard(a) {
  const ready = a.ready?.status === 'True';
  return el(
    'article',
    { class: 'card appliance', 'data-appliance': `${a.namespace}/${a.name}` },
    el(
      'h3',
      {},
      a.name,
      el('span', { class: 'ns' }, a.namespace),
      el('span', { class: `badge ${ready ? 'ok' : 'warn'}` }, ready ? 'Ready' : (a.ready?.reason ?? 'not ready')),
    ),
    el(
      'p',
      { class: 'meta' },
      `serving slot `,
      el('b', { class: `slot ${a.activeSlot ?? ''}` }, a.activeSlot ?? '-'),
      ` · ${a.readyMembers ?? '?'} members ready`,
      a.activePlan ? ` · active plan ${a.activePlan.name} (${a.activePlan.phase})` : '',
    ),
    el(
      'table',
      { class: 'members' },
      el('tbody', {}, ...a.members.map((m) => el('tr', {}, el('th', {}, m.name), el('td', {}, ...m.vms.map(vmChip))))),
    ),
    el(
      'p',
      { class: 'services' },
      ...a.services.map((s) =>
        el(
          'span',
          { class: `service ${s.found ? '' : 'missing'}`, 'data-service': s.name },
          `${s.name} → `,
          el('b', { class: `slot ${s.slot ?? ''}` }, s.found ? (s.slot ?? '-') : 'not found'),
        ),
      ),
    ),
  );
}

function vmChip(vm) {
  const levels = vm.components.map((c) => `${c.name} ${c.level ?? '?'}`).join(', ');
  return el(
    'span',
    { class: `vm ${vm.role} ${vm.ready ? 'ready' : 'notready'}`, 'data-vm': vm.name, title: `${vm.status}; ${levels}` },
    el('i', { class: 'dot' }),
    vm.name,
    el('small', {}, ` ${vm.slot ?? ''} · ${vm.role === 'retained' ? 'retained original' : vm.role}`),
    el('small', { class: 'levels' }, levels),
  );
}

// ---- plans -----------------------------------------------------------------------------------

const ACTION_LABELS = {
  approve: 'Approve',
  abort: 'Abort',
  suspend: 'Suspend',
  resume: 'Resume',
  rollback: 'Roll back',
};

function planCard(p) {
  const key = `${p.namespace}/${p.name}`;
  const running = p.steps.find((s) => s.state === 'Running');
  const more = el(
    'details',
    { class: 'more', open: opened.has(key), 'data-key': key },
    el('summary', {}, 'Conditions and events'),
    conditionsTable(p),
    eventsList(p),
  );
  // A plan at work shows its charts; an ended one folds them away until asked.
  const chartsKey = `${key}#charts`;
  const charts = el(
    'details',
    {
      class: 'charts',
      open: !TERMINAL.has(p.phase) || opened.has(chartsKey),
      'data-key': TERMINAL.has(p.phase) ? chartsKey : undefined,
    },
    el('summary', {}, 'Timeline, sync rounds, downtime, preview'),
    el(
      'div',
      { class: 'grid' },
      el('figure', {}, el('figcaption', {}, 'Timeline'), timeline(p)),
      el('figure', {}, el('figcaption', {}, 'Sync rounds'), roundsChart(p)),
      el('figure', {}, el('figcaption', {}, 'Downtime'), downtimeGauge(p), windowText(p)),
      el('figure', {}, el('figcaption', {}, 'Preview'), previewTable(p)),
    ),
  );
  return el(
    'article',
    { class: `card plan phase-${phaseClass(p.phase, p.suspended)}`, 'data-plan': key },
    el(
      'h3',
      {},
      p.name,
      el('span', { class: 'ns' }, `${p.namespace} · appliance ${p.appliance}`),
      el(
        'span',
        { class: `badge ${phaseClass(p.phase, p.suspended)}`, 'data-field': 'phase' },
        p.phase + (p.suspended && !TERMINAL.has(p.phase) ? ' (suspended)' : ''),
      ),
    ),
    el(
      'p',
      { class: 'progress' },
      el('progress', { max: p.progress?.total ?? 1, value: p.progress?.done ?? 0 }),
      ` ${p.progress ? `${p.progress.done}/${p.progress.total} steps` : ''}`,
      running
        ? el(
            'span',
            { class: 'running', 'data-field': 'running' },
            ` · ${running.name}: ${running.message ?? ''} ${running.progress ?? ''}`,
          )
        : '',
      p.createdAt ? el('span', { class: 'dim' }, ' · created ', relative(p.createdAt)) : '',
    ),
    p.summary?.message
      ? el('p', { class: 'summary', 'data-field': 'summary' }, `${p.summary.reason}: ${p.summary.message}`)
      : '',
    p.cleanup
      ? el('p', { class: 'warn' }, `cleaning up: ${p.cleanup.action} then ${p.cleanup.then} (${p.cleanup.reason})`)
      : '',
    actions(p),
    charts,
    more,
  );
}

function actions(p, labels = ACTION_LABELS) {
  return el(
    'p',
    { class: 'actions' },
    ...Object.entries(labels).map(([action, label]) => {
      const a = p.actions[action];
      if (a === undefined) return '';
      return el(
        'button',
        {
          type: 'button',
          'data-action': action,
          disabled: !a.allowed,
          title: a.message,
          class: action === 'approve' ? 'primary' : action === 'abort' || action === 'rollback' ? 'danger' : '',
          onclick: () => ask(p, action, labels),
        },
        label,
      );
    }),
  );
}

function timeline(p) {
  const started = p.steps.filter((s) => s.startedAt);
  if (started.length === 0) return el('p', { class: 'dim' }, 'no step has started yet');
  const t0 = Math.min(...started.map((s) => Date.parse(s.startedAt)));
  // A step's bar ends when it finished; a running one now; a skipped one when the next step started.
  const endOf = (s) => {
    if (s.finishedAt) return Date.parse(s.finishedAt);
    if (s.state === 'Running') return Date.now();
    const later = started.map((x) => Date.parse(x.startedAt)).filter((t) => t > Date.parse(s.startedAt));
    return later.length > 0 ? Math.min(...later) : Date.parse(s.startedAt);
  };
  const t1 = Math.max(t0 + 1000, ...started.map(endOf));
  const W = 420;
  const L = 70;
  const row = 16;
  // Bars end 44 units before the right edge, so that a duration always fits after its bar.
  const x = (t) => L + ((t - t0) / (t1 - t0)) * (W - L - 44);
  const shown = p.steps.filter((s) => s.state !== 'Pending' || s.startedAt);
  return svg(
    'svg',
    { viewBox: `0 0 ${W} ${shown.length * row + 14}`, class: 'timeline', role: 'img', 'aria-label': 'steps over time' },
    ...shown.map((s, i) => {
      const y = i * row;
      const a = s.startedAt ? x(Date.parse(s.startedAt)) : L;
      const b = s.startedAt ? x(endOf(s)) : L;
      return svg(
        'g',
        { class: `step ${s.state}` },
        svg('text', { x: 0, y: y + 11 }, s.name),
        svg(
          'rect',
          { x: a, y: y + 3, width: Math.max(2, b - a), height: row - 6, rx: 2 },
          svg('title', {}, `${s.name} ${s.state} ${duration(s.seconds)}`),
        ),
        svg(
          'text',
          { x: Math.min(W - 40, b + 3), y: y + 11, class: 'small' },
          s.seconds === undefined ? '' : duration(s.seconds),
        ),
      );
    }),
    svg('text', { x: L, y: shown.length * row + 12, class: 'small' }, `total ${duration((t1 - t0) / 1000)}`),
  );
}

function roundsChart(p) {
  if (p.rounds.length === 0) return el('p', { class: 'dim' }, 'no sync round yet');
  const W = 420;
  const H = 120;
  const max = Math.max(1, ...p.rounds.map((r) => Math.max(r.bytes ?? 0, r.bytesRead ?? 0)));
  const slot = Math.min(90, (W - 10) / p.rounds.length);
  const h = (v) => ((v ?? 0) / max) * (H - 40);
  return svg(
    'svg',
    { viewBox: `0 0 ${W} ${H}`, class: 'rounds', role: 'img', 'aria-label': 'bytes per sync round' },
    ...p.rounds.map((r, i) => {
      const x = 5 + i * slot;
      const bw = slot * (r.bytesRead !== undefined ? 0.35 : 0.6);
      return svg(
        'g',
        { class: `round${r.final ? ' final' : ''}`, 'data-round': r.round },
        svg('rect', {
          x,
          y: H - 20 - h(r.bytesWritten ?? r.bytes),
          width: bw,
          height: h(r.bytesWritten ?? r.bytes),
          class: 'written',
        }),
        r.bytesRead !== undefined
          ? svg('rect', { x: x + bw + 2, y: H - 20 - h(r.bytesRead), width: bw, height: h(r.bytesRead), class: 'read' })
          : '',
        svg(
          'text',
          { x, y: H - 24 - h(Math.max(r.bytes ?? 0, r.bytesRead ?? 0)), class: 'small' },
          `${bytes(r.bytesWritten ?? r.bytes)} · ${duration(r.seconds)}`,
        ),
        svg(
          'text',
          { x, y: H - 6, class: 'small' },
          `#${r.round}${r.final ? ' final' : ''}${r.rangesSource ? ` ${r.rangesSource}` : ''}`,
        ),
      );
    }),
  );
}

function downtimeGauge(p) {
  const d = p.downtime;
  const values = [d.budgetSeconds, d.projectedSeconds, d.measuredSeconds].filter((v) => v !== undefined);
  if (values.length === 0) return el('p', { class: 'dim' }, 'no figures yet');
  const max = Math.max(...values) * 1.15;
  const W = 420;
  const x = (v) => 4 + (v / max) * (W - 8);
  const over = (v) => d.budgetSeconds !== undefined && v > d.budgetSeconds;
  return el(
    'div',
    {},
    svg(
      'svg',
      { viewBox: `0 0 ${W} 34`, class: 'gauge', role: 'img', 'aria-label': 'downtime against the budget' },
      d.budgetSeconds !== undefined
        ? svg('rect', { x: 4, y: 6, width: x(d.budgetSeconds) - 4, height: 16, class: 'budget' })
        : '',
      d.measuredSeconds !== undefined
        ? svg('rect', {
            x: 4,
            y: 9,
            width: Math.max(2, x(d.measuredSeconds) - 4),
            height: 10,
            class: `measured ${over(d.measuredSeconds) ? 'over' : ''}`,
          })
        : '',
      d.projectedSeconds !== undefined
        ? svg('line', {
            x1: x(d.projectedSeconds),
            x2: x(d.projectedSeconds),
            y1: 2,
            y2: 26,
            class: `projected ${over(d.projectedSeconds) ? 'over' : ''}`,
          })
        : '',
    ),
    el(
      'p',
      { class: 'legend', 'data-field': 'downtime' },
      d.measuredSeconds !== undefined ? el('b', {}, `measured ${duration(d.measuredSeconds)} · `) : '',
      d.projectedSeconds !== undefined
        ? `projected ${duration(d.projectedSeconds)}${d.projectedFrom === 'estimate' ? ' (estimate)' : ''} · `
        : '',
      d.budgetSeconds !== undefined ? `budget ${duration(d.budgetSeconds)}` : '',
      d.rollbackSeconds !== undefined ? ` · rollback ${duration(d.rollbackSeconds)}` : '',
    ),
    d.breakdown.length > 0
      ? el('p', { class: 'legend' }, d.breakdown.map((b) => `${b.part} ${duration(b.seconds)}`).join(' · '))
      : '',
  );
}

function windowText(p) {
  const w = p.window;
  if (!w.spec) return el('p', { class: 'legend' }, 'window: any time');
  return el(
    'p',
    { class: 'legend' },
    `window ${w.spec} · `,
    w.open ? el('b', { class: 'ok-text' }, 'open') : el('b', { class: 'warn-text' }, 'closed'),
    w.open && w.closesAt ? [', closes ', relative(w.closesAt)] : '',
    !w.open && w.opensAt ? [', opens ', relative(w.opensAt)] : '',
  );
}

function previewTable(p) {
  if (!p.preview) return el('p', { class: 'dim' }, 'no preview yet');
  return el(
    'div',
    {},
    el(
      'p',
      { class: 'legend' },
      'hash ',
      el('code', { 'data-field': 'hash' }, p.preview.hash ?? '-'),
      p.approvedHash ? ` · approved ${p.approvedHash}` : '',
    ),
    el(
      'table',
      { class: 'preview' },
      el(
        'tbody',
        {},
        ...p.preview.updates.map((u) =>
          el('tr', {}, el('td', {}, `${u.member}/${u.component}`), el('td', {}, `${u.from} → `, el('b', {}, u.to))),
        ),
        ...p.preview.unchanged.map((u) =>
          el(
            'tr',
            { class: 'dim' },
            el('td', {}, `${u.member}/${u.component}`),
            el('td', {}, `${u.level} (unchanged)`),
          ),
        ),
      ),
    ),
  );
}

function conditionsTable(p) {
  return el(
    'table',
    { class: 'conditions' },
    el(
      'tbody',
      {},
      ...p.conditions.map((c) =>
        el(
          'tr',
          {},
          el('th', {}, c.type),
          el('td', { class: `cond ${c.status}` }, c.status),
          el('td', {}, c.reason),
          el('td', {}, c.message),
        ),
      ),
    ),
  );
}

function eventsList(p) {
  return el(
    'ul',
    { class: 'events' },
    ...[...p.events]
      .reverse()
      .map((e) => el('li', { class: e.type }, e.at ? relative(e.at) : '', ` ${e.reason}: ${e.message}`)),
  );
}

// ---- rollouts --------------------------------------------------------------------------------

const ROLLOUT_ACTION_LABELS = {
  approve: 'Approve wave',
  suspend: 'Suspend',
  resume: 'Resume',
  acknowledge: 'Acknowledge failures',
  abort: 'Abort',
};

function rolloutPhaseClass(phase, suspended) {
  if (phase === 'Completed') return 'ok';
  if (phase === 'Paused') return 'bad';
  if (phase === 'Aborted' || phase === 'Suspended' || suspended) return 'warn';
  if (phase === 'WaitingForWindow' || phase === 'AwaitingApproval' || phase === 'Soaking') return 'wait';
  return 'run';
}

/** A budget as "used/allowed" with a bar; full budgets are marked. */
function budget(name, b) {
  return el(
    'span',
    {
      class: `budget ${b.used > b.allowed ? 'over' : b.used === b.allowed && b.allowed > 0 ? 'full' : ''}`,
      'data-budget': name,
    },
    `${name} `,
    el('progress', { max: Math.max(1, b.allowed), value: Math.min(b.used, Math.max(1, b.allowed)) }),
    ` ${b.used}/${b.allowed}${b.spec ? ` (${b.spec})` : ''}`,
  );
}

function rolloutCard(r) {
  const key = `${r.namespace}/${r.name}`;
  const c = r.counts;
  const f = r.failures;
  const more = el(
    'details',
    { class: 'more', open: opened.has(key), 'data-key': key },
    el('summary', {}, 'Conditions and events'),
    conditionsTable(r),
    eventsList(r),
  );
  return el(
    'article',
    { class: `card plan rollout phase-${rolloutPhaseClass(r.phase, r.suspended)}`, 'data-rollout': key },
    el(
      'h3',
      {},
      r.name,
      el('span', { class: 'ns' }, r.namespace),
      el('span', { class: `badge ${rolloutPhaseClass(r.phase, r.suspended)}`, 'data-field': 'phase' }, r.phase),
      r.suspended && r.phase !== 'Suspended' ? el('span', { class: 'badge warn' }, 'suspend requested') : '',
      r.abortRequested && r.phase !== 'Aborted' ? el('span', { class: 'badge warn' }, 'abort requested') : '',
    ),
    el(
      'p',
      { class: 'progress' },
      el('progress', { max: Math.max(1, c.selected), value: c.upToDate }),
      el('span', { 'data-field': 'progress' }, ` ${c.upToDate}/${c.selected} up to date`),
      ` · revision ${r.revision} · ${r.target}${r.followsLatest ? ' (follows the latest)' : ''}`,
    ),
    r.summary?.message
      ? el('p', { class: 'summary', 'data-field': 'summary' }, `${r.summary.reason}: ${r.summary.message}`)
      : '',
    r.approvalWave
      ? el(
          'p',
          { class: 'warn', 'data-field': 'approval' },
          `wave ${r.approvalWave} waits for a person: Approve wave lets it start`,
        )
      : '',
    el(
      'p',
      { class: 'meta counts' },
      [
        `${c.pending} pending`,
        `${c.inFlight} in flight`,
        c.waitingForSlot ? `${c.waitingForSlot} waiting for a slot` : '',
        c.waitingForWindow ? `${c.waitingForWindow} waiting for a window` : '',
        c.cuttingOver ? `${c.cuttingOver} cutting over` : '',
        c.failed ? `${c.failed} failed` : '',
        c.rolledBack ? `${c.rolledBack} rolled back` : '',
        c.held ? `${c.held} held` : '',
        c.unavailable ? `${c.unavailable} unavailable` : '',
      ]
        .filter((x) => x)
        .join(' · '),
      r.nextWindowStart ? el('span', {}, ' · next window ', relative(r.nextWindowStart)) : '',
    ),
    el(
      'p',
      { class: 'budgets' },
      budget('in flight', r.budgets.inFlight),
      budget('cutting over', r.budgets.cuttingOver),
      budget('unavailable', r.budgets.unavailable),
      budget('failures', { used: f.count - f.acknowledged, allowed: f.allowed }),
      f.acknowledged ? el('span', { class: 'dim' }, ` +${f.acknowledged} acknowledged`) : '',
      f.exceeded
        ? el('span', { class: 'badge bad' }, f.action === 'Pause' ? 'budget spent: paused' : 'budget spent')
        : '',
    ),
    el(
      'table',
      { class: 'waves' },
      el(
        'tbody',
        {},
        ...r.waves.map((w) =>
          el(
            'tr',
            { 'data-wave': w.name, class: w.name === r.currentWave && !r.ended ? 'current' : '' },
            el('th', {}, w.name),
            el('td', { class: `wave ${w.state}` }, w.state),
            el(
              'td',
              {},
              el('progress', { max: Math.max(1, w.appliances), value: w.upToDate }),
              ` ${w.upToDate}/${w.appliances}`,
            ),
            el(
              'td',
              {},
              w.state === 'Soaking' && w.soakUntil ? ['soaking until ', relative(w.soakUntil)] : '',
              w.awaitingApproval ? 'waiting for approval' : '',
              w.gated ? 'approval Manual: waits for a person when its turn comes' : '',
              w.completedAt ? ['completed ', relative(w.completedAt)] : '',
            ),
          ),
        ),
      ),
    ),
    r.inFlight.length
      ? el(
          'table',
          { class: 'inflight' },
          el(
            'thead',
            {},
            el('tr', {}, ...['appliance', 'plan', 'wave', 'phase', 'cut-over slot'].map((h) => el('th', {}, h))),
          ),
          el(
            'tbody',
            {},
            ...r.inFlight.map((x) =>
              el(
                'tr',
                { 'data-inflight': x.plan },
                el('td', {}, x.appliance),
                el('td', {}, x.plan),
                el('td', {}, x.wave),
                el('td', {}, x.phase ?? '-'),
                el('td', {}, x.cutOverSlot ? 'yes' : 'no'),
              ),
            ),
          ),
        )
      : '',
    r.needsAttention.length
      ? el(
          'div',
          { class: 'attention' },
          el('h4', {}, 'Needs attention'),
          el(
            'ul',
            {},
            ...r.needsAttention.map((a) =>
              el(
                'li',
                { 'data-attention': a.appliance, class: a.reason },
                el('b', {}, a.appliance),
                a.plan ? ` (${a.plan})` : '',
                ` ${a.reason}: ${a.message}`,
                a.since ? [' · ', relative(a.since)] : '',
              ),
            ),
          ),
        )
      : '',
    actions(r, ROLLOUT_ACTION_LABELS),
    more,
  );
}

// ---- requests behind a confirmation ----------------------------------------------------------

function ask(plan, action, labels = ACTION_LABELS) {
  const dialog = document.getElementById('confirm');
  const body = document.getElementById('confirm-body');
  const rollout = plan.kind === 'MaintenanceRollout';
  // What the person is shown is what is sent: the hash (or the wave) is taken now, not when they click.
  const hash = rollout ? plan.waveAwaitingApproval : plan.preview?.hash;
  document.getElementById('confirm-title').textContent = `${labels[action]} ${plan.name}?`;
  body.replaceChildren(
    ...(rollout && action === 'approve'
      ? [
          el(
            'p',
            {},
            'Wave ',
            el('code', { 'data-field': 'confirm-wave' }, hash),
            ' may start: this adds it to spec.approvedWaves.',
          ),
        ]
      : action === 'approve'
        ? [
            el('p', {}, 'The plan goes on with exactly these updates:'),
            previewTable(plan),
            el(
              'p',
              {},
              'This sets spec.approvedHash to ',
              el('code', { 'data-field': 'confirm-hash' }, hash),
              ', the hash shown here.',
            ),
          ]
        : [el('p', {}, plan.actions[action].message)]),
  );
  const ok = document.getElementById('confirm-ok');
  ok.textContent = labels[action];
  ok.className = action === 'approve' ? 'primary' : 'danger';
  dialog.returnValue = '';
  dialog.addEventListener(
    'close',
    () => {
      if (dialog.returnValue === 'ok') void send(plan, action, hash);
    },
    { once: true },
  );
  dialog.showModal();
}

async function send(plan, action, hash) {
  try {
    const res = await fetch('/api/requests', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-vapp-token': token },
      body: JSON.stringify({
        kind: plan.kind ?? 'MaintenancePlan',
        namespace: plan.namespace,
        name: plan.name,
        action,
        ...(action === 'approve' ? (plan.kind === 'MaintenanceRollout' ? { wave: hash } : { hash }) : {}),
      }),
    });
    const answer = await res.json();
    toast(`${plan.name}: ${answer.ok ? answer.message : `refused: ${answer.message}`}`, answer.ok ? 'ok' : 'bad');
  } catch (err) {
    toast(`${plan.name}: ${err}`, 'bad');
  }
}

let toastTimer;
function toast(text, kind) {
  const t = document.getElementById('toast');
  t.textContent = text;
  t.className = `show ${kind}`;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (t.className = ''), 8000);
}

// ---- the whole page --------------------------------------------------------------------------

function render() {
  // What the person opened or closed stays so across redraws: read it from the page being replaced.
  for (const d of document.querySelectorAll('details[data-key]')) {
    if (d.open) opened.add(d.dataset.key);
    else opened.delete(d.dataset.key);
  }
  document.getElementById('scope').textContent =
    `context ${state.context} · ${state.namespace ? `namespace ${state.namespace}` : 'every namespace'}`;
  const appliances = document.getElementById('appliance-list');
  appliances.replaceChildren(
    ...(state.appliances.length
      ? state.appliances.map(applianceCard)
      : [el('p', { class: 'dim' }, 'No VirtualAppliances.')]),
  );
  const plans = document.getElementById('plan-list');
  // Plans at work first, then the ended ones, newest first within each.
  const ordered = [
    ...state.plans.filter((p) => !TERMINAL.has(p.phase)),
    ...state.plans.filter((p) => TERMINAL.has(p.phase)),
  ];
  plans.replaceChildren(
    ...(ordered.length ? ordered.map(planCard) : [el('p', { class: 'dim' }, 'No MaintenancePlans.')]),
  );
  // The Rollouts section shows once there is a rollout to show.
  const rollouts = state.rollouts ?? [];
  document.getElementById('rollout-list').closest('section').hidden = rollouts.length === 0;
  document.getElementById('rollout-list').replaceChildren(...rollouts.map(rolloutCard));
}

function connect() {
  const live = document.getElementById('live');
  const events = new EventSource('/api/events');
  events.addEventListener('open', () => {
    live.textContent = 'live';
    live.className = 'live on';
  });
  events.addEventListener('error', () => {
    live.textContent = 'reconnecting…';
    live.className = 'live off';
  });
  events.addEventListener('state', (e) => {
    state = JSON.parse(e.data);
    render();
  });
}

connect();
setInterval(tick, 1000);
