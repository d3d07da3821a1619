// Step delays without sleeping in a reconcile: the first time a step of an object is seen its due
// time is recorded, and the reconcile asks to come back when it is due.
export class StepClock {
  readonly #due = new Map<string, number>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Milliseconds until `step` of `key` may be taken (0: now). */
  remaining(key: string, step: string, delayMs: number): number {
    if (delayMs <= 0) return 0;
    const id = `${key}\u0000${step}`;
    const now = this.#now();
    let due = this.#due.get(id);
    if (due === undefined) this.#due.set(id, (due = now + delayMs));
    return Math.max(0, due - now);
  }

  /** Forgets every step of `key` (the object is gone or done). */
  forget(key: string): void {
    for (const id of this.#due.keys()) if (id.startsWith(`${key}\u0000`)) this.#due.delete(id);
  }
}
