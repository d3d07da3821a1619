#!/usr/bin/env node
// The `kubectl-vapp` executable: kubectl finds it on PATH and runs it for `kubectl vapp ...`.
// In a source checkout it runs the TypeScript directly, as bin/vapp-operator.js does; that needs
// Node 24 (type stripping), and whichever `node` is first on the user's PATH may be older (a
// machine's Node 20 fails on .ts). So this launcher, plain JavaScript that any Node runs, re-runs
// itself under the project's Node 24 (the `node` devDependency in node_modules) when the Node
// running it is older, passing the terminal, the arguments, the exit code and Ctrl-C through.
import { spawn } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(realpathSync(fileURLToPath(import.meta.url)));
const root = path.resolve(here, '..');
const major = Number(process.versions.node.split('.')[0]);

if (major >= 24) {
  const source = path.join(root, 'src/cli/main.ts');
  const entry = existsSync(source) ? source : path.join(root, 'dist/cli/main.js');
  const { main } = await import(pathToFileURL(entry).href);
  await main(process.argv);
} else {
  const node24 = findNode24();
  if (node24 === undefined) {
    process.stderr.write(
      `kubectl-vapp needs Node.js 24 or later and this is ${process.version}: run \`npm ci\` in ${root} (it installs Node 24 into node_modules) or put Node 24 first on PATH\n`,
    );
    process.exit(1);
  }
  const child = spawn(node24, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  // A terminal sends Ctrl-C to the whole process group: the child gets it and ends as it sees fit,
  // the launcher waits for it. Signals sent to the launcher alone are passed on.
  process.on('SIGINT', () => undefined);
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}

/** Node 24+ from the project's node_modules (this checkout or one it is installed in). */
function findNode24() {
  for (let dir = root; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', 'node', 'bin', 'node');
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}
