// Ctrl-C (SIGINT) or SIGTERM during a long-running command (--watch, the dashboard): the command
// stops cleanly (its caches closed, the cursor given back) and exits 130 instead of dying mid-frame.
import { EXIT } from './errors.ts';

/** `work`'s result, or EXIT.interrupted when the user interrupts first. */
export async function untilInterrupted<T>(work: Promise<T>): Promise<T | typeof EXIT.interrupted> {
  let onSignal: (() => void) | undefined;
  const interrupted = new Promise<typeof EXIT.interrupted>((resolve) => {
    onSignal = () => resolve(EXIT.interrupted);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  try {
    return await Promise.race([work, interrupted]);
  } finally {
    if (onSignal !== undefined) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}
