// What a step reports after one pass: finished, still waiting (with what it waits for), or failed.

export type StepOutcome =
  | { readonly kind: 'done'; readonly message?: string }
  | { readonly kind: 'wait'; readonly message: string; readonly progress?: string; readonly requeueAfterMs?: number }
  | { readonly kind: 'failed'; readonly reason: string; readonly message: string };

export const done = (message?: string): StepOutcome => ({
  kind: 'done',
  ...(message === undefined ? {} : { message }),
});

export const wait = (message: string, opts: { progress?: string; requeueAfterMs?: number } = {}): StepOutcome => ({
  kind: 'wait',
  message,
  ...opts,
});

export const failed = (reason: string, message: string): StepOutcome => ({ kind: 'failed', reason, message });

/** The first outcome that is not done, else done: for steps made of independent parts. */
export function firstPending(outcomes: readonly StepOutcome[]): StepOutcome {
  return outcomes.find((o) => o.kind === 'failed') ?? outcomes.find((o) => o.kind === 'wait') ?? done();
}
