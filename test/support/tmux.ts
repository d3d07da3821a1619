// A real terminal for tests: a tmux server on its own socket (never the user's), one session running
// a command, and the screen as text (capture-pane), as a person would see it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export class Terminal {
  readonly #socket: string;

  private constructor(socket: string) {
    this.#socket = socket;
  }

  /** Starts `command` (a shell line) in a width x height terminal with `env`. */
  static async start(
    command: string,
    opts: { width: number; height: number; env: Readonly<Record<string, string>> },
  ): Promise<Terminal> {
    const t = new Terminal(`vapp-test-${String(process.pid)}-${String(Date.now())}`);
    const env = Object.entries(opts.env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    await t.#tmux(
      '-u',
      'new-session',
      '-d',
      '-s',
      'main',
      '-x',
      String(opts.width),
      '-y',
      String(opts.height),
      ...env,
      command,
    );
    return t;
  }

  /** The visible screen, one line per row, trailing blanks trimmed. */
  async screen(): Promise<string> {
    const { stdout } = await this.#tmux('capture-pane', '-p', '-t', 'main');
    return stdout.replace(/\s+$/, '');
  }

  /** Types keys as tmux names them, e.g. C-c. */
  async keys(...keys: string[]): Promise<void> {
    await this.#tmux('send-keys', '-t', 'main', ...keys);
  }

  /** Stops this terminal's tmux server (and what runs in it). */
  async kill(): Promise<void> {
    await this.#tmux('kill-server').catch(() => undefined);
  }

  #tmux(...args: string[]) {
    return run('tmux', ['-L', this.#socket, ...args], { env: { ...process.env, LANG: 'C.UTF-8' } });
  }
}
