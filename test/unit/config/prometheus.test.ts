// The shipped alerts (config/prometheus/alerts.yaml) load in Prometheus and each one fires, and only
// fires, as test/prometheus/alerts-test.yaml says: `promtool test rules` (Debian's prometheus
// package, installed by `make system-deps`).
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { alertGroups, ruleFile } from '../../../src/integrations/prometheus.ts';
import { promtool } from '../../support/promtool.ts';

const TESTS = path.join(import.meta.dirname, '../../prometheus/alerts-test.yaml');

describe('Prometheus alerts', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vapp-alerts-'));
    await writeFile(path.join(dir, 'alerts.rules.yaml'), ruleFile());
    await copyFile(TESTS, path.join(dir, 'alerts-test.yaml'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('load: promtool check rules', async () => {
    const { stdout } = await promtool(['check', 'rules', 'alerts.rules.yaml'], dir);
    assert.match(stdout, /SUCCESS: \d+ rules found/);
  });

  it('fire as specified: promtool test rules', async () => {
    const { stdout } = await promtool(['test', 'rules', 'alerts-test.yaml'], dir);
    assert.match(stdout, /SUCCESS/);
  });

  it('every alert is tested firing and not firing', async () => {
    const tests = parse(await readFile(TESTS, 'utf8')) as {
      tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
    };
    const cases = tests.tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const alert of alertGroups().flatMap((g) => g.rules.map((r) => r.alert ?? ''))) {
      const mine = cases.filter((c) => c.alertname === alert);
      assert.ok(
        mine.some((c) => (c.exp_alerts ?? []).length > 0),
        `${alert}: no test in which it fires`,
      );
      assert.ok(
        mine.some((c) => (c.exp_alerts ?? []).length === 0),
        `${alert}: no test in which it stays silent`,
      );
    }
  });
});
