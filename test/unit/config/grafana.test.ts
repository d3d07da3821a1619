// The Grafana dashboard (config/grafana/vapp-operator.json): importable (unique ids, one data source
// variable, known variables only) and every panel's PromQL accepted by Prometheus's own parser
// (promtool check rules, on a rule file with one recording rule per query). The e2e maintenance test
// runs every query against a real Prometheus.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { fillVariables, panelQueries, readDashboard } from '../../../src/integrations/grafana.ts';
import { promtool } from '../../support/promtool.ts';

describe('Grafana dashboard', () => {
  const { dashboard } = readDashboard();

  it('is importable: unique panel ids, a uid, its data source as a variable', () => {
    const ids = JSON.stringify(dashboard.panels).match(/"id":\d+/g) ?? [];
    assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
    assert.equal(dashboard.uid, 'vapp-operator');
    assert.deepEqual(
      dashboard.templating.list.map((v) => v.name),
      ['datasource', 'job', 'namespace', 'plan'],
    );
    for (const q of panelQueries(dashboard)) assert.doesNotThrow(() => fillVariables(q.expr), `${q.panel}: variables`);
  });

  it("every panel's query parses (promtool check rules)", async () => {
    const queries = panelQueries(dashboard);
    assert.ok(queries.length >= 15, `${queries.length} queries`);
    const rules = {
      groups: [
        {
          name: 'dashboard-queries',
          rules: queries.map((q, i) => ({ record: `dashboard:query_${String(i)}`, expr: fillVariables(q.expr) })),
        },
      ],
    };
    const dir = await mkdtemp(path.join(tmpdir(), 'vapp-dashboard-'));
    try {
      await writeFile(path.join(dir, 'queries.yaml'), stringify(rules, { lineWidth: 0 }));
      const { stdout } = await promtool(['check', 'rules', 'queries.yaml'], dir);
      assert.match(stdout, new RegExp(`SUCCESS: ${String(queries.length)} rules found`));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
