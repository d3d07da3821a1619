// Where --watch draws. On a terminal it redraws in place, like watch(1): the cursor goes home and
// each line overwrites the last frame's (no flicker of a full clear), lines are cut to the terminal's
// width so that nothing wraps, and the cursor is hidden until the end. Elsewhere (a pipe, a file) it
// prints each frame that differs from the last, separated by a blank line.
export interface Output {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
  readonly rows?: number;
}

const HOME = '\u001b[H';
const CLEAR_LINE = '\u001b[K';
const CLEAR_BELOW = '\u001b[J';
const CLEAR_SCREEN = '\u001b[2J';
const HIDE_CURSOR = '\u001b[?25l';
const SHOW_CURSOR = '\u001b[?25h';

export class Screen {
  readonly #out: Output;
  #last: string | undefined;
  #started = false;

  constructor(out: Output) {
    this.#out = out;
  }

  get interactive(): boolean {
    return this.#out.isTTY === true;
  }

  /** Columns to cut lines to (terminal only). */
  get width(): number | undefined {
    return this.interactive ? (this.#out.columns ?? 80) : undefined;
  }

  draw(lines: readonly string[]): void {
    const text = lines.join('\n');
    if (text === this.#last) return;
    this.#last = text;
    if (!this.interactive) {
      this.#out.write(`${this.#started ? '\n' : ''}${text}\n`);
      this.#started = true;
      return;
    }
    const rows = this.#out.rows ?? 1000;
    const shown = lines.slice(0, Math.max(1, rows - 1));
    const start = this.#started ? HOME : `${HIDE_CURSOR}${CLEAR_SCREEN}${HOME}`;
    this.#started = true;
    this.#out.write(`${start}${shown.map((l) => `${l}${CLEAR_LINE}`).join('\n')}\n${CLEAR_BELOW}`);
  }

  /** Leaves the last frame on screen and gives the cursor back. */
  close(): void {
    if (this.interactive && this.#started) this.#out.write(SHOW_CURSOR);
  }
}
