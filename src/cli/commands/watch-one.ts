// The --watch of `get plan NAME` and `get rollout NAME`: one object and its Events, watched; on each
// change (and each second on a terminal, for the clocks in the view) the view is redrawn in place,
// or with -o the object is written again when its resourceVersion moved; it ends when `exitCode`
// says the object ended (or it was deleted while watched) and returns that code.
import { eventsOf, RESOURCES } from '../cluster.ts';
import { type connect, stdoutPalette } from '../context.ts';
import { EXIT } from '../errors.ts';
import { untilInterrupted } from '../interrupt.ts';
import { formatStreamed, type OutputFormat } from '../output.ts';
import { Screen } from '../screen.ts';
import type { ViewOptions } from '../views/plan-view.ts';
import type { WireEvent } from '../wire.ts';
import type { ResourceRef } from '../../runtime/resources.ts';

interface Watched {
  readonly metadata?: { readonly resourceVersion?: string };
}

export interface WatchOne<T extends Watched> {
  readonly resource: ResourceRef;
  readonly name: string;
  readonly output: OutputFormat | undefined;
  readonly view: (obj: T, events: readonly WireEvent[], o: ViewOptions) => string[];
  /** The exit code once the object ended; undefined while it goes on. */
  readonly exitCode: (obj: T) => number | undefined;
}

export async function watchOne<T extends Watched>(
  cluster: ReturnType<typeof connect>,
  w: WatchOne<T>,
): Promise<number> {
  const screen = new Screen(process.stdout);
  const p = stdoutPalette();
  let seen = false;
  let firstOut = true;
  let lastVersion: string | undefined;
  let finish: ((code: number) => void) | undefined;
  const finished = new Promise<number>((resolve) => (finish = resolve));
  const live: { caches?: Awaited<ReturnType<typeof cluster.watch>> } = {};

  const draw = () => {
    const caches = live.caches;
    if (caches === undefined) return;
    const obj = caches.list<T>(0)[0];
    if (obj === undefined) {
      if (seen) finish?.(EXIT.deleted);
      return;
    }
    seen = true;
    if (w.output !== undefined) {
      if (obj.metadata?.resourceVersion !== lastVersion) {
        lastVersion = obj.metadata?.resourceVersion;
        process.stdout.write(formatStreamed(obj, w.output, firstOut));
        firstOut = false;
      }
    } else {
      const now = new Date();
      const view = w.view(obj, caches.list<WireEvent>(1), {
        palette: p,
        now,
        ...(screen.width === undefined ? {} : { width: screen.width }),
      });
      screen.draw(
        screen.interactive
          ? [...view, '', p.dim(`watching · ${now.toTimeString().slice(0, 8)} · Ctrl-C to stop`)]
          : view,
      );
    }
    const code = w.exitCode(obj);
    if (code !== undefined) finish?.(code);
  };
  let pending: NodeJS.Timeout | undefined;
  const schedule = () => {
    pending ??= setTimeout(() => {
      pending = undefined;
      draw();
    }, 50);
  };
  live.caches = await cluster.watch(
    [
      { resource: w.resource, namespace: cluster.namespace, fieldSelector: `metadata.name=${w.name}` },
      { resource: RESOURCES.events, namespace: cluster.namespace, fieldSelector: eventsOf(w.resource.kind, w.name) },
    ],
    schedule,
  );
  draw();
  // Elapsed times, soaks and window countdowns move with the clock, not only with the objects.
  const tick = screen.interactive && w.output === undefined ? setInterval(draw, 1000) : undefined;
  try {
    return await untilInterrupted(finished);
  } finally {
    if (tick !== undefined) clearInterval(tick);
    if (pending !== undefined) clearTimeout(pending);
    screen.close();
    await live.caches.stop();
  }
}
