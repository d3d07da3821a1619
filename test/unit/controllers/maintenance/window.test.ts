import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WEEKDAYS, type Weekday, WindowSchema } from '../../../../src/api/v1alpha1/index.ts';
import { type WindowSpec, nextWindowStart, windowState } from '../../../../src/controllers/maintenance/window.ts';

/** windowState with ISO strings in and out, so that cases read as a table. */
function at(window: WindowSpec | undefined, now: string): { open: boolean; opensAt?: string; closesAt?: string } {
  const s = windowState(window, new Date(now));
  return {
    open: s.open,
    ...(s.opensAt ? { opensAt: s.opensAt.toISOString() } : {}),
    ...(s.closesAt ? { closesAt: s.closesAt.toISOString() } : {}),
  };
}

function w(days: Weekday[], startTime: string, endTime: string, timeZone: string): WindowSpec {
  return { days, startTime, endTime, timeZone };
}

type Case = readonly [now: string, open: boolean, edge: string];
function table(window: WindowSpec, cases: readonly Case[]): void {
  for (const [now, open, edge] of cases) {
    it(`${now} -> ${open ? `open until ${edge}` : `closed until ${edge}`}`, () => {
      assert.deepEqual(at(window, now), open ? { open, closesAt: edge } : { open, opensAt: edge });
    });
  }
}

describe('windowState', () => {
  it('is always open without a window', () => {
    assert.deepEqual(at(undefined, '2026-11-22T03:00:00Z'), { open: true });
  });

  describe('UTC, mon 02:00-05:00: open at the start, closed at the end', () => {
    table(w(['mon'], '02:00', '05:00', 'UTC'), [
      ['2026-11-16T01:59:59.999Z', false, '2026-11-16T02:00:00.000Z'],
      ['2026-11-16T02:00:00.000Z', true, '2026-11-16T05:00:00.000Z'],
      ['2026-11-16T04:59:59.999Z', true, '2026-11-16T05:00:00.000Z'],
      ['2026-11-16T05:00:00.000Z', false, '2026-11-23T02:00:00.000Z'],
      ['2026-11-22T23:00:00.000Z', false, '2026-11-23T02:00:00.000Z'],
    ]);
  });

  describe('every weekday: a window on that day only is open on that day only', () => {
    // 2026-11-16 is a Monday.
    const dates = ['2026-11-16', '2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20', '2026-11-21', '2026-11-22'];
    WEEKDAYS.forEach((day, i) => {
      it(day, () => {
        const window = w([day], '10:00', '11:00', 'UTC');
        dates.forEach((date, j) =>
          assert.equal(at(window, `${date}T10:30:00Z`).open, i === j, `${day} window at ${date}`),
        );
        // the day after, the next opening is a week after this one
        const day0 = Date.parse(`${dates[i]!}T10:00:00Z`);
        assert.equal(
          at(window, new Date(day0 + 86_400_000).toISOString()).opensAt,
          new Date(day0 + 7 * 86_400_000).toISOString(),
        );
      });
    });
  });

  describe('across midnight, Europe/Rome sat 23:00-02:00: days name the day the window starts', () => {
    table(w(['sat'], '23:00', '02:00', 'Europe/Rome'), [
      ['2026-11-20T22:30:00Z', false, '2026-11-21T22:00:00.000Z'], // fri 23:30: fri is not listed
      ['2026-11-21T22:00:00Z', true, '2026-11-22T01:00:00.000Z'], // sat 23:00
      ['2026-11-22T00:00:00Z', true, '2026-11-22T01:00:00.000Z'], // sun 01:00
      ['2026-11-22T01:00:00Z', false, '2026-11-28T22:00:00.000Z'], // sun 02:00
      ['2026-11-22T22:30:00Z', false, '2026-11-28T22:00:00.000Z'], // sun 23:30: sun is not listed
    ]);
  });

  describe('Europe/Rome spring forward (2026-03-29, 02:00 CET -> 03:00 CEST)', () => {
    describe('a start in the gap starts at the first valid instant after it: sun 02:30-04:00', () => {
      table(w(['sun'], '02:30', '04:00', 'Europe/Rome'), [
        ['2026-03-28T12:00:00Z', false, '2026-03-29T01:00:00.000Z'], // 03:00 CEST
        ['2026-03-29T00:59:59Z', false, '2026-03-29T01:00:00.000Z'], // 01:59:59 CET
        ['2026-03-29T01:00:00Z', true, '2026-03-29T02:00:00.000Z'], // 03:00 CEST .. 04:00 CEST
        ['2026-03-29T02:00:00Z', false, '2026-04-05T00:30:00.000Z'], // next sun 02:30 CEST
      ]);
    });
    describe('an end in the gap ends at the change: sun 01:00-02:30', () => {
      table(w(['sun'], '01:00', '02:30', 'Europe/Rome'), [
        ['2026-03-29T00:00:00Z', true, '2026-03-29T01:00:00.000Z'],
        ['2026-03-29T01:00:00Z', false, '2026-04-04T23:00:00.000Z'],
      ]);
    });
    describe('a window across the change is an hour shorter: sat 22:00-03:00', () => {
      table(w(['sat'], '22:00', '03:00', 'Europe/Rome'), [
        ['2026-03-28T21:00:00Z', true, '2026-03-29T01:00:00.000Z'], // 22:00 CET .. 03:00 CEST
        ['2026-03-29T00:30:00Z', true, '2026-03-29T01:00:00.000Z'],
        ['2026-03-29T01:00:00Z', false, '2026-04-04T20:00:00.000Z'], // next sat 22:00 CEST
      ]);
    });
    describe('two windows that touch across the gap are one: sat+sun 02:30-02:00', () => {
      table(w(['sat', 'sun'], '02:30', '02:00', 'Europe/Rome'), [
        // sat 02:30 CET; sat's window ends sun "02:00" = 03:00 CEST, where sun's window starts (02:30 in the gap)
        ['2026-03-28T12:00:00Z', true, '2026-03-30T00:00:00.000Z'],
      ]);
    });
  });

  describe('Europe/Rome fall back (2026-10-25, 03:00 CEST -> 02:00 CET)', () => {
    describe('a start that occurs twice starts at the first occurrence: sun 02:30-04:00', () => {
      table(w(['sun'], '02:30', '04:00', 'Europe/Rome'), [
        ['2026-10-25T00:29:59Z', false, '2026-10-25T00:30:00.000Z'],
        ['2026-10-25T00:30:00Z', true, '2026-10-25T03:00:00.000Z'], // 02:30 CEST .. 04:00 CET: 3h30
        ['2026-10-25T01:30:00Z', true, '2026-10-25T03:00:00.000Z'], // 02:30 CET, the second time
      ]);
    });
    describe('an end that occurs twice ends at the first occurrence: sun 01:00-02:30', () => {
      table(w(['sun'], '01:00', '02:30', 'Europe/Rome'), [
        ['2026-10-24T23:00:00Z', true, '2026-10-25T00:30:00.000Z'], // 01:00 CEST
        ['2026-10-25T01:15:00Z', false, '2026-11-01T00:00:00.000Z'], // 02:15 CET, the second time: closed; next sun 01:00 CET
      ]);
    });
    describe('the offset before and after the change: sat and mon 02:00-05:00', () => {
      table(w(['sat', 'mon'], '02:00', '05:00', 'Europe/Rome'), [
        ['2026-10-24T00:00:00Z', true, '2026-10-24T03:00:00.000Z'], // CEST, UTC+2
        ['2026-10-24T03:00:00Z', false, '2026-10-26T01:00:00.000Z'], // CET, UTC+1
      ]);
    });
  });

  describe('America/New_York', () => {
    describe('spring forward 2026-03-08: sun 02:30-03:30 starts at 03:00 EDT', () => {
      table(w(['sun'], '02:30', '03:30', 'America/New_York'), [
        ['2026-03-08T06:59:59Z', false, '2026-03-08T07:00:00.000Z'],
        ['2026-03-08T07:00:00Z', true, '2026-03-08T07:30:00.000Z'],
      ]);
    });
    describe('fall back 2026-11-01: sun 01:30-03:00 starts at the first 01:30 (EDT)', () => {
      table(w(['sun'], '01:30', '03:00', 'America/New_York'), [
        ['2026-11-01T05:29:59Z', false, '2026-11-01T05:30:00.000Z'],
        ['2026-11-01T05:30:00Z', true, '2026-11-01T08:00:00.000Z'], // 01:30 EDT .. 03:00 EST
      ]);
    });
    describe('across midnight in winter: wed 22:00-06:00 EST', () => {
      table(w(['wed'], '22:00', '06:00', 'America/New_York'), [
        ['2026-11-19T02:59:00Z', false, '2026-11-19T03:00:00.000Z'], // wed 21:59 EST
        ['2026-11-19T10:59:00Z', true, '2026-11-19T11:00:00.000Z'], // thu 05:59 EST
      ]);
    });
  });

  describe('Asia/Kolkata (UTC+05:30, no DST): mon 02:00-05:00 starts on sunday in UTC', () => {
    table(w(['mon'], '02:00', '05:00', 'Asia/Kolkata'), [
      ['2026-11-22T20:29:00Z', false, '2026-11-22T20:30:00.000Z'],
      ['2026-11-22T20:30:00Z', true, '2026-11-22T23:30:00.000Z'],
      ['2026-11-22T23:30:00Z', false, '2026-11-29T20:30:00.000Z'],
    ]);
  });

  describe('the longest window, 00:00-23:59 every day, closes for a minute', () => {
    table(w([...WEEKDAYS], '00:00', '23:59', 'UTC'), [
      ['2026-11-22T23:58:59Z', true, '2026-11-22T23:59:00.000Z'],
      ['2026-11-22T23:59:30Z', false, '2026-11-23T00:00:00.000Z'],
    ]);
  });

  it('refuses an unknown time zone with a clear error', () => {
    assert.throws(
      () => windowState(w(['mon'], '02:00', '05:00', 'Mars/Olympus_Mons'), new Date('2026-11-22T00:00:00Z')),
      {
        name: 'RangeError',
        message:
          /^spec\.window\.timeZone "Mars\/Olympus_Mons" is not a time zone known to this runtime; use an IANA name such as Europe\/Rome or UTC$/,
      },
    );
  });

  it('refuses a malformed time with a clear error', () => {
    assert.throws(
      () => windowState(w(['mon'], '2:00', '05:00', 'UTC'), new Date()),
      /spec\.window\.startTime "2:00" must be a time HH:MM/,
    );
  });
});

describe('the schema keeps windows shorter than a day (nothing to mirror in window.ts)', () => {
  const parse = (startTime: string, endTime: string) =>
    WindowSchema.safeParse({ days: ['mon'], startTime, endTime, timeZone: 'UTC' }).success;
  it('refuses endTime equal to startTime (a 24-hour window) and times past 23:59', () => {
    assert.equal(parse('02:00', '02:00'), false);
    assert.equal(parse('02:00', '24:00'), false);
    assert.equal(parse('02:00', '26:00'), false);
  });
  it('accepts the longest window, 23 hours 59 minutes', () => {
    assert.equal(parse('02:00', '01:59'), true);
  });
});

describe('nextWindowStart', () => {
  it('is the opening time (metav1.Time) while closed, nothing while open', () => {
    const window = w(['mon'], '02:00', '05:00', 'UTC');
    assert.equal(nextWindowStart(windowState(window, new Date('2026-11-16T01:00:00.500Z'))), '2026-11-16T02:00:00Z');
    assert.equal(nextWindowStart(windowState(window, new Date('2026-11-16T03:00:00Z'))), undefined);
    assert.equal(nextWindowStart(windowState(undefined, new Date('2026-11-16T03:00:00Z'))), undefined);
  });
});
