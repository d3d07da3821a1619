// The Go helpers of the tests (tools/<name>, each its own module), built once and cached by
// tools/go-helper.sh (`make helpers` builds them before `make test`); here, their binaries' paths
// and a way to run one on JSON.
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = path.join(import.meta.dirname, '../../tools/go-helper.sh');
const built = new Map<string, Promise<string>>();

/** The path of tools/<name>'s binary (built now when the cache has none: minutes the first time). */
export function goHelper(name: 'argocd-lua' | 'kstatus'): Promise<string> {
  let p = built.get(name);
  if (p === undefined) {
    p = run('bash', [SCRIPT, name], { timeout: 900_000, maxBuffer: 16 << 20 }).then(({ stdout }) => stdout.trim());
    built.set(name, p);
  }
  return p;
}

/** Runs `binary args...` with `input` as JSON on stdin and parses its JSON output. */
export async function runJson<T>(binary: string, args: readonly string[], input: unknown): Promise<T> {
  const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  child.stdin.end(JSON.stringify(input));
  const code = await exited;
  if (code !== 0)
    throw new Error(`${path.basename(binary)} exited ${String(code)}: ${Buffer.concat(err).toString().trim()}`);
  return JSON.parse(Buffer.concat(out).toString()) as T;
}
