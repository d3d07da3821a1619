// The generated files of config/ must be exactly what their sources render: the argocd-cm patch
// (config/argocd/<group>/<Kind>/*.lua) and the Grafana dashboard ConfigMap (config/grafana/*.json).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { LABEL_SLOT } from '../../../src/api/v1alpha1/index.ts';
import { ARGOCD_CM_PATCH, readCustomizations, renderArgocdCmPatch } from '../../../src/integrations/argocd.ts';
import { DASHBOARD_CONFIGMAP, readDashboard, renderDashboardConfigMap } from '../../../src/integrations/grafana.ts';

const HINT = 'run `make generate` and commit the result';

function assertSame(file: string, committed: string, rendered: string): void {
  if (committed === rendered) return;
  const a = committed.split('\n');
  const b = rendered.split('\n');
  const line = a.findIndex((l, i) => l !== b[i]);
  assert.fail(
    `${file} is out of date: ${HINT}\nfirst difference at line ${line + 1}:\n  committed: ${a[line] ?? '<end of file>'}\n  rendered:  ${b[line] ?? '<end of file>'}`,
  );
}

describe('generated config', () => {
  it('config/argocd/argocd-cm-patch.yaml carries exactly the Lua scripts beside it', () => {
    assertSame(ARGOCD_CM_PATCH, readFileSync(ARGOCD_CM_PATCH, 'utf8'), renderArgocdCmPatch());
  });

  it('the argocd-cm patch has a health check for every kind, and its actions as Argo CD reads them', () => {
    const patch = parse(readFileSync(ARGOCD_CM_PATCH, 'utf8')) as { data: Record<string, string> };
    for (const c of readCustomizations()) {
      assert.equal(patch.data[`resource.customizations.health.${c.group}_${c.kind}`], c.health, `${c.kind} health`);
      if (c.actions.length === 0) continue;
      const actions = parse(patch.data[`resource.customizations.actions.${c.group}_${c.kind}`] ?? '') as {
        'discovery.lua': string;
        definitions: { name: string; 'action.lua': string }[];
      };
      assert.equal(actions['discovery.lua'], c.discovery);
      assert.deepEqual(
        actions.definitions.map((d) => [d.name, d['action.lua']]),
        c.actions.map((a) => [a.name, a.lua]),
      );
    }
  });

  it('config/grafana/dashboard-configmap.yaml carries exactly vapp-operator.json', () => {
    assertSame(DASHBOARD_CONFIGMAP, readFileSync(DASHBOARD_CONFIGMAP, 'utf8'), renderDashboardConfigMap());
    const cm = parse(readFileSync(DASHBOARD_CONFIGMAP, 'utf8')) as {
      metadata: { labels: Record<string, string> };
      data: Record<string, string>;
    };
    assert.equal(cm.metadata.labels.grafana_dashboard, '1', 'the label the Grafana sidecar looks for');
    assert.equal(cm.data['vapp-operator.json'], readDashboard().text);
  });
});

describe('config/argocd/application.yaml', () => {
  it('ignores the Service slot key the operator owns, and syncs as the e2e test re-applies (server-side, respecting it)', () => {
    const app = parse(readFileSync(new URL('../../../config/argocd/application.yaml', import.meta.url), 'utf8')) as {
      kind: string;
      spec: {
        ignoreDifferences: { group: string; kind: string; jqPathExpressions: string[] }[];
        syncPolicy: { automated: { selfHeal: boolean }; syncOptions: string[] };
      };
    };
    assert.equal(app.kind, 'Application');
    assert.deepEqual(app.spec.ignoreDifferences, [
      { group: '', kind: 'Service', jqPathExpressions: [`.spec.selector."${LABEL_SLOT}"`] },
    ]);
    assert.equal(app.spec.syncPolicy.automated.selfHeal, true);
    assert.deepEqual(app.spec.syncPolicy.syncOptions.sort(), ['RespectIgnoreDifferences=true', 'ServerSideApply=true']);
  });
});
