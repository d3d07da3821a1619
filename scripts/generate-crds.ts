#!/usr/bin/env node
// Writes the CRDs rendered from src/api/v1alpha1 (and a kustomization.yaml listing them) into crds/. Run through `make generate`
// (or `npx node scripts/generate-crds.ts`).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderCrdFiles } from '../src/api/crd/render.ts';

const outDir = join(import.meta.dirname, '..', 'crds');
await mkdir(outDir, { recursive: true });
for (const { fileName, content } of renderCrdFiles()) {
  await writeFile(join(outDir, fileName), content);
  console.log(`wrote crds/${fileName}`);
}
