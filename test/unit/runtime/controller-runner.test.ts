import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ControllerRunner } from '../../../src/runtime/controller-runner.ts';
import { TerminalError, type ReconcileRequest, type ReconcileResult } from '../../../src/runtime/controller.ts';
import { RuntimeMetrics } from '../../../src/runtime/metrics.ts';
import { FakeClock, flush } from './fake-clock.ts';

/** A value of a metric with these labels, read from the registry like a scrape would. */
async function metric(m: RuntimeMetrics, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const data = await m.registry.getSingleMetric(name)?.get();
  const wanted = Object.entries(labels);
  return data?.values.find((v) => wanted.every(([k, val]) => v.labels[k] === val) && !('le' in v.labels))?.value;
}

/** A reconcile function whose calls are resolved by the test. */
function controllable() {
  const calls: {
    req: ReconcileRequest;
    resolve: (r: ReconcileResult | undefined) => void;
    reject: (e: Error) => void;
  }[] = [];
  const reconcile = (req: ReconcileRequest): Promise<ReconcileResult | undefined> =>
    new Promise((resolve, reject) => calls.push({ req, resolve, reject }));
  return { calls, reconcile };
}

describe('ControllerRunner', () => {
  it('reconciles each key once at a time, re-running a key changed meanwhile, with N workers in parallel', async () => {
    const metrics = new RuntimeMetrics();
    const { calls, reconcile } = controllable();
    const runner = new ControllerRunner({
      definition: { name: 'vapp', watches: [], reconcile, maxConcurrentReconciles: 2 },
      metrics,
      clock: new FakeClock(),
    });
    // controller-runtime's convention: the error counters read 0 before the first error.
    assert.equal(await metric(metrics, 'controller_runtime_reconcile_errors_total', { controller: 'vapp' }), 0);
    assert.equal(
      await metric(metrics, 'controller_runtime_terminal_reconcile_errors_total', { controller: 'vapp' }),
      0,
    );
    runner.start(new AbortController().signal);
    runner.enqueue('shop/a');
    runner.enqueue('shop/b');
    runner.enqueue('shop/c');
    await flush();
    assert.deepEqual(
      calls.map((c) => c.req.name),
      ['a', 'b'],
      'two workers',
    );
    assert.deepEqual(calls[0]?.req, { namespace: 'shop', name: 'a' });
    assert.equal(await metric(metrics, 'controller_runtime_active_workers', { controller: 'vapp' }), 2);
    runner.enqueue('shop/a'); // changed while reconciling
    calls[0].resolve(undefined);
    await flush();
    assert.deepEqual(
      calls.map((c) => c.req.name),
      ['a', 'b', 'c'],
    );
    calls[2]!.resolve(undefined);
    await flush();
    assert.deepEqual(
      calls.map((c) => c.req.name),
      ['a', 'b', 'c', 'a'],
      'a again, after its first run ended',
    );
    calls[1]!.resolve(undefined);
    calls[3]!.resolve(undefined);
    await runner.stop();
    assert.equal(
      await metric(metrics, 'controller_runtime_reconcile_total', { controller: 'vapp', result: 'success' }),
      4,
    );
    assert.equal(await metric(metrics, 'controller_runtime_max_concurrent_reconciles', { controller: 'vapp' }), 2);
    assert.equal(await metric(metrics, 'workqueue_adds_total', { name: 'vapp' }), 4);
  });

  it('retries failures with growing backoff, honours requeueAfter and counts outcomes', async () => {
    const clock = new FakeClock();
    const metrics = new RuntimeMetrics();
    const { calls, reconcile } = controllable();
    const runner = new ControllerRunner({
      definition: { name: 'plan', watches: [], reconcile, backoffBaseMs: 1000, backoffMaxMs: 60_000 },
      metrics,
      clock,
    });
    runner.start(new AbortController().signal);
    runner.enqueue('ns/p');
    await flush();
    calls[0]!.reject(new Error('API down'));
    await flush();
    clock.advance(999);
    await flush();
    assert.equal(calls.length, 1, 'not before the first backoff delay');
    clock.advance(1);
    await flush();
    assert.equal(calls.length, 2, 'retried after 1 s');
    calls[1]!.reject(new Error('API down'));
    await flush();
    clock.advance(1999);
    await flush();
    assert.equal(calls.length, 2);
    clock.advance(1);
    await flush();
    assert.equal(calls.length, 3, 'retried after 2 s');
    calls[2]!.resolve({ requeueAfterMs: 30_000 });
    await flush();
    clock.advance(29_999);
    await flush();
    assert.equal(calls.length, 3);
    clock.advance(1);
    await flush();
    assert.equal(calls.length, 4, 'requeued after 30 s');
    calls[3]!.reject(new TerminalError('bad spec'));
    await flush();
    clock.advance(3_600_000);
    await flush();
    assert.equal(calls.length, 4, 'terminal errors are not retried');
    await runner.stop();
    assert.equal(
      await metric(metrics, 'controller_runtime_reconcile_total', { controller: 'plan', result: 'error' }),
      3,
    );
    assert.equal(
      await metric(metrics, 'controller_runtime_reconcile_total', { controller: 'plan', result: 'requeue_after' }),
      1,
    );
    assert.equal(await metric(metrics, 'controller_runtime_reconcile_errors_total', { controller: 'plan' }), 3);
    assert.equal(
      await metric(metrics, 'controller_runtime_terminal_reconcile_errors_total', { controller: 'plan' }),
      1,
    );
    assert.equal(await metric(metrics, 'workqueue_retries_total', { name: 'plan' }), 2);
    const text = await metrics.registry.metrics();
    assert.match(text, /controller_runtime_reconcile_time_seconds_count\{controller="plan"\} 4/);
  });

  it('reports in-progress work at scrape time', async () => {
    const clock = new FakeClock();
    const metrics = new RuntimeMetrics();
    const { calls, reconcile } = controllable();
    const runner = new ControllerRunner({
      definition: { name: 'slow', watches: [], reconcile, maxConcurrentReconciles: 2 },
      metrics,
      clock,
    });
    runner.start(new AbortController().signal);
    runner.enqueue('a');
    await flush();
    clock.advance(2000);
    runner.enqueue('b');
    await flush();
    clock.advance(1000);
    assert.equal(await metric(metrics, 'workqueue_longest_running_processor_seconds', { name: 'slow' }), 3);
    assert.equal(await metric(metrics, 'workqueue_unfinished_work_seconds', { name: 'slow' }), 4);
    calls[0]!.resolve(undefined);
    calls[1]!.resolve(undefined);
    await runner.stop();
    assert.equal(await metric(metrics, 'workqueue_unfinished_work_seconds', { name: 'slow' }), 0);
  });

  it('stops taking work but lets the in-flight reconcile finish', async () => {
    const metrics = new RuntimeMetrics();
    const { calls, reconcile } = controllable();
    const runner = new ControllerRunner({
      definition: { name: 'x', watches: [], reconcile },
      metrics,
      clock: new FakeClock(),
    });
    runner.start(new AbortController().signal);
    runner.enqueue('a');
    runner.enqueue('b');
    await flush();
    let stopped = false;
    const stopping = runner.stop().then(() => (stopped = true));
    await flush();
    assert.equal(stopped, false);
    calls[0]!.resolve(undefined);
    await stopping;
    assert.deepEqual(
      calls.map((c) => c.req.name),
      ['a'],
      'b was not started after stop',
    );
  });
});
