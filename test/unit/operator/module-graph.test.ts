// The operator process must not load @kubernetes/client-node: importing it alone costs ~85 MiB of
// RSS (every generated API model), more than half the operator's memory budget (docs/performance.md).
// A resolve hook records every module the operator's entry point loads, dynamic imports included.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('../../../', import.meta.url);

// Written to a file at exit, synchronously: a pipe's last writes are lost when the process exits.
const RECORDER = `
import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';
const seen = [];
registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.push(r.url); return r; } });
process.on('exit', () => writeFileSync(process.env.MODULES_FILE, JSON.stringify(seen)));
`;

function modulesLoadedBy(entry: string): string[] {
  const file = join(mkdtempSync(join(tmpdir(), 'module-graph-')), 'modules.json');
  execFileSync(
    process.execPath,
    [
      '--import',
      `data:text/javascript,${encodeURIComponent(RECORDER)}`,
      '--input-type=module',
      '-e',
      `await import(${JSON.stringify(new URL(entry, ROOT).href)});`,
    ],
    { cwd: ROOT, env: { ...process.env, MODULES_FILE: file }, stdio: 'inherit' },
  );
  return JSON.parse(readFileSync(file, 'utf8')) as string[];
}

describe('the operator process', () => {
  it('loads its runtime and controllers without @kubernetes/client-node', () => {
    const urls = modulesLoadedBy('src/operator/run-command.ts');
    // The recorder works: the graph holds the manager, the controllers and their packages.
    assert.ok(urls.some((u) => u.endsWith('/src/runtime/manager.ts')));
    assert.ok(urls.some((u) => u.endsWith('/src/controllers/index.ts')));
    assert.ok(urls.some((u) => u.includes('/node_modules/prom-client/')));
    assert.deepEqual(
      urls.filter((u) => u.includes('@kubernetes/client-node')),
      [],
    );
  });

  it('the recorder sees client-node where it is loaded (the sandbox)', () => {
    const urls = modulesLoadedBy('src/sandbox/cluster.ts');
    assert.ok(urls.some((u) => u.includes('/node_modules/@kubernetes/client-node/')));
  });
});
