import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

const FAILPOINTS = new URL('../../../src/runtime/failpoints.ts', import.meta.url).pathname;
const script = `import { failpoint } from ${JSON.stringify(FAILPOINTS)}; failpoint('a'); console.log('passed a'); failpoint('b'); console.log('passed b');`;
const run = (armed?: string) =>
  spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, VAPP_FAILPOINTS: armed ?? '' },
  });

describe('failpoints', () => {
  it('a process passes every failpoint unless armed', () => {
    const r = run();
    assert.deepEqual([r.status, r.signal, r.stdout], [0, null, 'passed a\npassed b\n']);
  });

  it('an armed failpoint kills the process with SIGKILL right there', () => {
    const r = run(' x , b');
    assert.deepEqual([r.signal, r.stdout], ['SIGKILL', 'passed a\n']);
  });
});
