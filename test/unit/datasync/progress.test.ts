import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createProgressReporter, renderBar } from '../../../src/datasync/progress.ts';

describe('renderBar', () => {
  it('shows phase, bar, percentage, bytes, rate and bytes written', () => {
    const line = renderBar(
      { phase: 'sync', done: 1024 ** 3, total: 2 * 1024 ** 3, bytesWritten: 4 * 1024 ** 2 },
      2,
      10,
    );
    assert.equal(line, 'sync   [#####.....]  50%  1.00 GiB / 2.00 GiB  512.0 MiB/s  written 4.00 MiB');
    assert.match(
      renderBar({ phase: 'verify', done: 0, total: 0, bytesWritten: 0 }, 0, 4),
      /^verify \[####\] 100% {2}0 B \/ 0 B {2}0\.0 MiB\/s/,
    );
  });
});

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { isTTY, writes, write: (s: string) => writes.push(s) > 0 };
}

describe('createProgressReporter', () => {
  it('draws a bar on a terminal, at most every 100 ms, always the last state, one line per phase', () => {
    let clock = 0;
    const out = fakeStream(true);
    const p = createProgressReporter('auto', out, () => clock);
    p.update({ phase: 'sync', done: 1, total: 10, bytesWritten: 0 });
    clock = 50;
    p.update({ phase: 'sync', done: 2, total: 10, bytesWritten: 0 }); // throttled
    clock = 150;
    p.update({ phase: 'sync', done: 3, total: 10, bytesWritten: 0 });
    clock = 160;
    p.update({ phase: 'sync', done: 9, total: 10, bytesWritten: 0 }); // throttled, drawn when the phase ends
    p.update({ phase: 'verify', done: 10, total: 10, bytesWritten: 0 });
    p.finish();
    const text = out.writes.join('');
    const lines = text.split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0] ?? '', /^\rsync .*\rsync .*\rsync .* 90% /);
    assert.match(lines[1] ?? '', /^\rverify .*100%/);
    assert.equal(lines[2], '');
  });

  it('prints nothing when not on a terminal (auto) or when none', () => {
    for (const [mode, tty] of [
      ['auto', false],
      ['none', true],
    ] as const) {
      const out = fakeStream(tty);
      const p = createProgressReporter(mode, out);
      p.update({ phase: 'sync', done: 10, total: 10, bytesWritten: 0 });
      p.finish();
      assert.deepEqual(out.writes, []);
    }
  });

  it('prints JSON lines in json mode', () => {
    const out = fakeStream(false);
    const p = createProgressReporter('json', out, () => 0);
    p.update({ phase: 'sync', done: 5, total: 10, bytesWritten: 3 });
    p.update({ phase: 'sync', done: 10, total: 10, bytesWritten: 4 });
    p.finish();
    assert.deepEqual(
      out.writes.map((w) => JSON.parse(w) as unknown),
      [
        { progress: 'sync', done: 5, total: 10, bytesWritten: 3, seconds: 0 },
        { progress: 'sync', done: 10, total: 10, bytesWritten: 4, seconds: 0 },
      ],
    );
  });
});
