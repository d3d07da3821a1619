// Maintenance window arithmetic (spec.window): is the appliance modifiable now, and when does that
// change. Pure: `now` is a parameter; time zones come from Intl (no date library).
//
// Rules:
// - `days` name the local day (in timeZone) on which a window *starts*. A window whose endTime is
//   not after its startTime ends on the next day: sat 23:00-02:00 is open at sun 01:00.
// - A window is open from its start (inclusive) to its end (exclusive).
// - A local time that does not exist (spring-forward gap) means the first valid instant after the
//   gap, i.e. the moment of the change: 02:30 on Europe/Rome's 2026-03-29 is 03:00 CEST.
// - A local time that occurs twice (fall-back) means its first occurrence, for the start and the
//   end alike: the window closes when the clock first reads endTime.
// - The schema keeps a window shorter than a day (HH:MM, startTime != endTime), so windows that
//   start on different days never overlap; two that touch (possible only across a gap) are
//   reported as one.
import type { MaintenanceWindow, Weekday } from '../../api/v1alpha1/index.ts';
import { metav1Time } from '../../runtime/time.ts';

export type WindowSpec = Readonly<Pick<MaintenanceWindow, 'startTime' | 'endTime' | 'timeZone'>> & {
  readonly days: readonly Weekday[];
};

export interface WindowState {
  readonly open: boolean;
  /** While closed: when the next window opens (status.nextWindowStart). Absent with no window. */
  readonly opensAt?: Date;
  /** While open: when this window closes. Absent with no window. */
  readonly closesAt?: Date;
}

const DAY_MS = 86_400_000;
/** Date.getUTCDay() order. */
const DAY_NAMES: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Whether the window is open at `now`. No window: always open. Throws on an unknown timeZone. */
export function windowState(window: WindowSpec | undefined, now: Date): WindowState {
  if (window === undefined) return { open: true };
  const zone = new Zone(window.timeZone);
  const start = minutesOf(window.startTime, 'startTime');
  const end = minutesOf(window.endTime, 'endTime');
  const t = now.getTime();
  // Civil date (as a UTC midnight) of `now` in the zone; windows that started the day before may
  // still be open, and within 8 days every listed weekday comes around.
  const today = civilDay(zone.wallClock(t));
  const windows: { readonly start: number; readonly end: number }[] = [];
  for (let i = -1; i <= 8; i++) {
    const day = today + i * DAY_MS;
    if (!window.days.includes(DAY_NAMES[new Date(day).getUTCDay()] ?? 'sun')) continue;
    const endDay = end <= start ? day + DAY_MS : day;
    windows.push({ start: zone.instantOf(day + start * 60_000), end: zone.instantOf(endDay + end * 60_000) });
  }
  const current = windows.findIndex((w) => w.start <= t && t < w.end);
  if (current >= 0) {
    let closesAt = windows[current]?.end ?? t;
    for (const next of windows.slice(current + 1)) if (next.start === closesAt) closesAt = next.end;
    return { open: true, closesAt: new Date(closesAt) };
  }
  const next = windows.find((w) => w.start > t);
  return next === undefined ? { open: false } : { open: false, opensAt: new Date(next.start) };
}

/** status.nextWindowStart as metav1.Time (RFC 3339, seconds): set only while the window is closed. */
export function nextWindowStart(state: WindowState): string | undefined {
  if (state.open || state.opensAt === undefined) return undefined;
  return metav1Time(state.opensAt);
}

function minutesOf(hhmm: string, field: string): number {
  const m = HH_MM.exec(hhmm);
  if (m === null) throw new RangeError(`spec.window.${field} "${hhmm}" must be a time HH:MM, 00:00 to 23:59`);
  return Number(m[1]) * 60 + Number(m[2]);
}

function civilDay(wallMs: number): number {
  return Math.floor(wallMs / DAY_MS) * DAY_MS;
}

/** Wall-clock arithmetic in one IANA zone. Wall times are given as ms since the epoch "as if UTC". */
class Zone {
  private readonly format: Intl.DateTimeFormat;

  constructor(timeZone: string) {
    try {
      this.format = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new RangeError(
        `spec.window.timeZone "${timeZone}" is not a time zone known to this runtime; use an IANA name such as Europe/Rome or UTC`,
      );
    }
  }

  /** The wall clock at instant t (ms), to the second. */
  wallClock(t: number): number {
    const p: Record<string, number> = {};
    for (const part of this.format.formatToParts(new Date(t)))
      if (part.type !== 'literal') p[part.type] = Number(part.value);
    return Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
  }

  private offset(t: number): number {
    const s = Math.floor(t / 1000) * 1000;
    return this.wallClock(s) - s;
  }

  /**
   * The instant at which the wall clock reads `wall`: the first occurrence when it reads it twice,
   * the end of the gap (the moment of the change) when it never does.
   */
  instantOf(wall: number): number {
    // Offsets in force around that wall time; a zone changes its offset at most once in a day.
    const offsets = [...new Set([this.offset(wall - DAY_MS), this.offset(wall), this.offset(wall + DAY_MS)])];
    const valid = offsets.map((o) => wall - o).filter((t) => this.offset(t) === wall - t);
    if (valid.length > 0) return Math.min(...valid);
    // In a gap the wall clock jumps over `wall`: find the first second at which it reads later.
    let lo = wall - Math.max(...offsets); // the wall clock still reads earlier
    let hi = wall - Math.min(...offsets); // the wall clock already reads later
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
      if (this.wallClock(mid) > wall) hi = mid;
      else lo = mid;
    }
    return hi;
  }
}
