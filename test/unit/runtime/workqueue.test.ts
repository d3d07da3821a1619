import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue, type WorkQueueMetrics } from '../../../src/runtime/workqueue.ts';
import { FakeClock, flush } from './fake-clock.ts';

function recordingMetrics() {
  const m = { depth: 0, adds: 0, retries: 0, queued: [] as number[], worked: [] as number[] };
  const hooks: WorkQueueMetrics = {
    depth: (n) => (m.depth = n),
    added: () => m.adds++,
    queued: (s) => m.queued.push(s),
    worked: (s) => m.worked.push(s),
    retried: () => m.retries++,
  };
  return { m, hooks };
}

describe('WorkQueue', () => {
  it('deduplicates keys that are waiting', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    q.add('a');
    q.add('b');
    q.add('a');
    assert.equal(q.length, 2);
    assert.equal(await q.get(), 'a');
    assert.equal(await q.get(), 'b');
    assert.equal(q.length, 0);
  });

  it('hands a key to one worker at a time and re-queues it when added during processing', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    q.add('a');
    const first = await q.get();
    assert.equal(first, 'a');
    q.add('a'); // changed while being reconciled
    assert.equal(q.length, 0, 'not handed to a second worker while held');
    let second: string | undefined;
    void q.get().then((k) => (second = k));
    await flush();
    assert.equal(second, undefined);
    q.done('a');
    await flush();
    assert.equal(second, 'a', 'processed again after done');
  });

  it('serves different keys to concurrent workers', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    const got: (string | undefined)[] = [];
    void q.get().then((k) => got.push(k));
    void q.get().then((k) => got.push(k));
    q.add('a');
    q.add('b');
    await flush();
    assert.deepEqual(got.sort(), ['a', 'b']);
    assert.deepEqual(q.processing().sort(), ['a', 'b']);
  });

  it('delays addAfter on the clock, the earliest pending delay winning', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    q.addAfter('a', 1000);
    q.addAfter('a', 300);
    q.addAfter('a', 5000);
    clock.advance(299);
    assert.equal(q.length, 0);
    clock.advance(1);
    assert.equal(q.length, 1);
    assert.equal(await q.get(), 'a');
    q.done('a');
    clock.advance(10_000);
    assert.equal(q.length, 0, 'later delays were merged into the first');
  });

  it('keeps one timer for all delayed adds and adds each key when due, in order', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    for (let i = 0; i < 500; i++) q.addAfter(`k${String(i)}`, 1000 + ((i * 7919) % 500));
    assert.equal(clock.pending, 1, 'one timer, whatever the number of keys');
    clock.advance(1000);
    assert.equal(q.length, 1);
    assert.equal(await q.get(), 'k0');
    q.done('k0');
    clock.advance(249);
    const due = [];
    while (q.length > 0) {
      const key = await q.get();
      if (key !== undefined) {
        due.push(key);
        q.done(key);
      }
    }
    assert.equal(due.length, 249, 'the keys due by then, no other');
    clock.advance(500);
    assert.equal(q.length, 250);
    assert.equal(clock.pending, 0, 'no timer once nothing is delayed');
  });

  it('backs off per key exponentially on addRateLimited, until forget', () => {
    const clock = new FakeClock();
    const { m, hooks } = recordingMetrics();
    const q = new WorkQueue({ clock, backoff: { baseMs: 100, maxMs: 1000 }, metrics: hooks });
    assert.deepEqual(
      [
        q.addRateLimited('a'),
        q.addRateLimited('a'),
        q.addRateLimited('a'),
        q.addRateLimited('a'),
        q.addRateLimited('a'),
      ],
      [100, 200, 400, 800, 1000],
    );
    assert.equal(q.retries('a'), 5);
    assert.equal(m.retries, 5);
    q.forget('a');
    assert.equal(q.addRateLimited('a'), 100);
  });

  it('reports depth, adds and durations', async () => {
    const clock = new FakeClock();
    const { m, hooks } = recordingMetrics();
    const q = new WorkQueue({ clock, metrics: hooks });
    q.add('a');
    q.add('b');
    assert.equal(m.depth, 2);
    assert.equal(m.adds, 2);
    clock.advance(1500);
    const k = await q.get();
    assert.equal(m.depth, 1);
    assert.deepEqual(m.queued, [1.5]);
    clock.advance(250);
    q.done(k!);
    assert.deepEqual(m.worked, [0.25]);
  });

  it('shuts down: refuses keys, drops waiting ones, wakes idle workers, resolves after in-flight work', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    q.add('a');
    q.add('b');
    q.addAfter('c', 100);
    const held = await q.get();
    let stopped = false;
    const stopping = q.shutDown().then(() => (stopped = true));
    assert.equal(await q.get(), undefined, 'no new work after shutdown');
    q.add('d');
    clock.advance(1000);
    assert.equal(q.length, 0);
    await flush();
    assert.equal(stopped, false, 'waits for the held key');
    q.done(held!);
    await stopping;
    assert.equal(stopped, true);
    assert.equal(clock.pending, 0, 'delayed adds were cancelled');
  });

  it('drains the queued keys when asked to', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    q.add('a');
    q.add('b');
    const stopping = q.shutDown({ drain: true });
    const seen: string[] = [];
    for (let k = await q.get(); k !== undefined; k = await q.get()) {
      seen.push(k);
      q.done(k);
    }
    await stopping;
    assert.deepEqual(seen, ['a', 'b']);
  });
});
