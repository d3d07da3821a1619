// Which wave each appliance belongs to, and where each wave is. Pure.
// - An appliance whose plan of this revision exists stays in the wave its plan is labelled with.
// - Otherwise it belongs to the first wave whose selector matches and whose limit is not reached
//   (in rollout order; appliances already up to date do not use the limit, so a canary wave really
//   updates something), else to the wave "default", which comes last.
// - Waves run one after the other: a wave is open once every earlier one is Completed (its last
//   plan ended and its soak passed) and, with approval Manual, once spec.approvedWaves names it.
import { DEFAULT_WAVE, type MaintenanceRollout, type WaveState, type WaveStatus } from '../../api/v1alpha1/index.ts';
import { parseDuration } from '../../runtime/duration.ts';
import { metav1Time } from '../../runtime/time.ts';
import { resolveCountOrPercent } from './budget.ts';
import { matchesSelector } from './selector.ts';

export interface WaveMember {
  readonly name: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** The wave label of its plan of this revision, if it has one. */
  readonly plannedWave?: string;
  /** Up to date without a plan: assigned, but outside the limit. */
  readonly upToDate: boolean;
}

/** Appliance name → wave name, for appliances given in rollout order. */
export function assignWaves(spec: MaintenanceRollout['spec'], ordered: readonly WaveMember[]): Map<string, string> {
  const waveOf = new Map<string, string>();
  const known = new Set([...spec.waves.map((w) => w.name), DEFAULT_WAVE]);
  for (const a of ordered)
    if (a.plannedWave !== undefined && known.has(a.plannedWave)) waveOf.set(a.name, a.plannedWave);
  for (const wave of spec.waves) {
    const matching = ordered.filter((a) => matchesSelector(a.labels, wave.selector));
    const limit =
      wave.limit === undefined ? Number.POSITIVE_INFINITY : resolveCountOrPercent(wave.limit, matching.length);
    let used = matching.filter((a) => waveOf.get(a.name) === wave.name && !a.upToDate).length;
    for (const a of matching) {
      if (waveOf.has(a.name)) continue;
      if (a.upToDate) {
        waveOf.set(a.name, wave.name);
        continue;
      }
      if (used >= limit) continue;
      waveOf.set(a.name, wave.name);
      used++;
    }
  }
  for (const a of ordered) if (!waveOf.has(a.name)) waveOf.set(a.name, DEFAULT_WAVE);
  return waveOf;
}

export interface WaveProgress {
  readonly name: string;
  readonly appliances: number;
  readonly upToDate: number;
  /** No appliance of the wave still to do (pending, locked or in flight). */
  readonly finished: boolean;
  /** Whether a plan of this revision exists in the wave (a started Manual wave goes on). */
  readonly started: boolean;
  /** When its last plan of this revision ended. */
  readonly lastEndedAt?: Date;
}

export interface WaveStates {
  readonly waves: readonly WaveStatus[];
  /** The wave plans may be made in now, if any. */
  readonly open?: string;
  /** The first wave not Completed. */
  readonly current?: string;
  /** The soonest time a soak ends. */
  readonly soakEndsAt?: Date;
}

export function waveStates(spec: MaintenanceRollout['spec'], progress: readonly WaveProgress[], now: Date): WaveStates {
  const settings = new Map(spec.waves.map((w) => [w.name, w]));
  const out: WaveStatus[] = [];
  let blocked = false;
  let open: string | undefined;
  let current: string | undefined;
  let soakEndsAt: Date | undefined;
  for (const p of progress) {
    const wave = settings.get(p.name);
    const soakMs = wave === undefined ? 0 : parseDuration(wave.soak, 'spec.waves[].soak');
    let state: WaveState;
    let soakUntil: Date | undefined;
    if (blocked) state = 'Pending';
    else if (p.finished) {
      soakUntil = p.lastEndedAt === undefined ? undefined : new Date(p.lastEndedAt.getTime() + soakMs);
      if (soakUntil !== undefined && soakUntil.getTime() > now.getTime()) {
        state = 'Soaking';
        soakEndsAt = soakUntil;
      } else state = 'Completed';
    } else if (wave?.approval === 'Manual' && !spec.approvedWaves.includes(p.name) && !p.started)
      state = 'AwaitingApproval';
    else {
      state = 'Progressing';
      open = p.name;
    }
    if (state !== 'Completed') {
      blocked = true;
      current ??= p.name;
    }
    out.push({
      name: p.name,
      state,
      appliances: p.appliances,
      upToDate: p.upToDate,
      ...(state === 'Soaking' && soakUntil !== undefined ? { soakUntil: metav1Time(soakUntil) } : {}),
      ...(p.finished && p.lastEndedAt !== undefined ? { completedAt: metav1Time(p.lastEndedAt) } : {}),
    });
  }
  return {
    waves: out,
    ...(open ? { open } : {}),
    ...(current ? { current } : {}),
    ...(soakEndsAt ? { soakEndsAt } : {}),
  };
}
