#!/usr/bin/env node
// Writes the files generated from config/'s sources: the argocd-cm patch (from the Lua scripts of
// config/argocd/<group>/<Kind>/) and the Grafana dashboard ConfigMap (from config/grafana's JSON).
// Run through `make generate` (or `npx node scripts/generate-integrations.ts`).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ARGOCD_CM_PATCH, renderArgocdCmPatch } from '../src/integrations/argocd.ts';
import { DASHBOARD_CONFIGMAP, renderDashboardConfigMap } from '../src/integrations/grafana.ts';

const root = path.join(import.meta.dirname, '..');
for (const [file, content] of [
  [ARGOCD_CM_PATCH, renderArgocdCmPatch()],
  [DASHBOARD_CONFIGMAP, renderDashboardConfigMap()],
] as const) {
  await writeFile(file, content);
  console.log(`wrote ${path.relative(root, file)}`);
}
