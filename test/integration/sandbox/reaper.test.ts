// A sandbox whose Node process is SIGKILLed (no exit handler runs) must not leave its servers behind.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { waitFor } from '../../support/wait.ts';

const CONTROLPLANE = new URL('../../../src/sandbox/controlplane/controlplane.ts', import.meta.url).pathname;

/** Processes whose command line mentions `text` (the control plane's directory). */
async function processesMentioning(text: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(text)) pids.push(Number(entry));
  }
  return pids;
}

describe('sandbox control plane reaper', () => {
  it('kills etcd and kube-apiserver when the process that started them is SIGKILLed', async () => {
    const script = `import { startControlPlane } from ${JSON.stringify(CONTROLPLANE)};
      const cp = await startControlPlane({ controllerManager: false });
      console.log(cp.dir);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [dir] = (await once(createInterface(child.stdout), 'line')) as [string];
    assert.equal((await processesMentioning(dir)).length, 2, 'etcd and kube-apiserver run');

    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    await waitFor(async () => (await processesMentioning(dir)).length === 0, {
      what: 'the servers of the killed sandbox to be gone',
      timeoutMs: 10_000,
    });
  });
});
