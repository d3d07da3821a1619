import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exitCodeOf } from '../../../src/cli/commands/get-plan.ts';
import { buildPlan, defaultPlanName } from '../../../src/cli/commands/plan.ts';
import { cobraOutput, complete, type NameKind } from '../../../src/cli/completion/engine.ts';
import { buildProgram } from '../../../src/cli/main.ts';
import { parseWindow } from '../../../src/cli/plan-options/window.ts';
import { bar, bytes, colourFor, drawTree, duration, truncate } from '../../../src/cli/render.ts';

describe('kubectl vapp plan', () => {
  it('writes the spec from the flags', () => {
    const plan = buildPlan('shop', 'shop-1', 'ns', {
      set: ['postgres=16.4.0', 'app/shop=2.4.0'],
      window: 'sat,sun 02:00-05:00 Europe/Rome',
      approval: 'Manual',
      observeSeconds: '30',
    });
    assert.deepEqual(plan, {
      apiVersion: 'vapp.dev/v1alpha1',
      kind: 'MaintenancePlan',
      metadata: { name: 'shop-1', namespace: 'ns' },
      spec: {
        appliance: 'shop',
        components: [
          { name: 'postgres', level: '16.4.0' },
          { name: 'app/shop', level: '2.4.0' },
        ],
        window: { startTime: '02:00', endTime: '05:00', days: ['sat', 'sun'], timeZone: 'Europe/Rome' },
        approval: 'Manual',
        rollback: { observeSeconds: 30 },
      },
    });
    assert.equal(defaultPlanName('shop', new Date('2026-11-22T02:00:09Z')), 'shop-20261122-020009');
  });

  it('names the flag of a value the API schema refuses, before anything is sent', () => {
    assert.throws(
      () => buildPlan('shop', 'p', 'ns', { set: ['postgres=latest'], window: '01:00-01:00' }),
      (err: Error) =>
        /spec\.components\[0\]\.level \(--set\): must be a semantic version/.test(err.message) &&
        /spec\.window\.endTime \(--window\): spec\.window\.endTime must differ/.test(err.message),
    );
    assert.throws(() => buildPlan('shop', 'p', 'ns', {}), /spec\.components \(--set\)/);
    assert.throws(
      () => buildPlan('shop', 'p', 'ns', { set: ['postgres'] }),
      /--set postgres: must be \[member\/\]component=level/,
    );
    assert.throws(() => parseWindow('fri,sam 02:00-05:00'), /sam: days are mon, tue/);
    assert.deepEqual(parseWindow('22:00-02:00'), { startTime: '22:00', endTime: '02:00' });
  });
});

describe('exit codes of get plan --watch', () => {
  it('say how the plan ended', () => {
    assert.deepEqual(['Succeeded', 'Failed', 'Aborted', 'RolledBack', 'Observing'].map(exitCodeOf), [
      0,
      10,
      11,
      12,
      undefined,
    ]);
  });
});

describe('completion', () => {
  const names = (kind: NameKind) =>
    Promise.resolve(
      kind === 'plan' ? ['shop-1', 'shop-2', 'web-1'] : kind === 'rollout' ? ['shops-2026-12'] : ['shop'],
    );
  const words = async (...typed: string[]) =>
    (await complete(buildProgram(), typed, names)).candidates.map((c) => c.value);

  it('completes commands, kinds, flags, choices and object names', async () => {
    assert.deepEqual(await words(''), [
      'get',
      'plan',
      'approve',
      'abort',
      'suspend',
      'resume',
      'rollback',
      'acknowledge',
      'dashboard',
      'completion',
    ]);
    assert.deepEqual(await words('get', ''), ['appliance', 'plan', 'rollout']);
    assert.deepEqual(await words('get', 'rollout', ''), ['shops-2026-12']);
    assert.deepEqual(await words('acknowledge', ''), ['shops-2026-12']);
    assert.ok((await words('get', 'rollout', '--')).includes('--watch'));
    assert.deepEqual(await words('get', 'plan', 'sh'), ['shop-1', 'shop-2']);
    assert.deepEqual(await words('-n', 'x', 'approve', ''), ['shop-1', 'shop-2', 'web-1']);
    assert.deepEqual(await words('get', 'plan', '-o', ''), ['json', 'yaml']);
    assert.ok((await words('get', 'plan', '--w')).includes('--watch'));
    assert.deepEqual(await words('plan', 's'), ['shop']);
  });

  it("answers in cobra's protocol, which kubectl reads", () => {
    assert.equal(
      cobraOutput({ candidates: [{ value: 'get', description: 'show an\nobject' }, { value: 'x' }], directive: 4 }),
      'get\tshow an object\nx\n:4\n',
    );
  });
});

describe('colours', () => {
  it('are used on a terminal only, and never with NO_COLOR', () => {
    assert.equal(colourFor({ isTTY: true }, {}), true);
    assert.equal(colourFor({ isTTY: false }, {}), false);
    assert.equal(colourFor({ isTTY: true }, { NO_COLOR: '1' }), false);
  });
});

describe('rendering', () => {
  it('draws bars, trees, figures and cut lines', () => {
    assert.equal(bar(1, 4, 8), '[##......]');
    assert.equal(bytes(782336), '764 KiB');
    assert.equal(duration(135), '2m15s');
    assert.equal(truncate('\u001b[32mabcdef\u001b[0m', 4), '\u001b[32mabc…\u001b[0m');
    assert.deepEqual(drawTree({ line: 'a', children: [{ line: 'b', children: [{ line: 'c' }] }, { line: 'd' }] }), [
      'a',
      '├─ b',
      '│  └─ c',
      '└─ d',
    ]);
  });
});
