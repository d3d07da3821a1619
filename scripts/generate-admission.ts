#!/usr/bin/env node
// Writes config/admission/policies.yaml, the admission policies rendered by src/api/admission. Run through
// `make generate` (or `npx node scripts/generate-admission.ts`).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderAdmissionYaml } from '../src/api/admission/render.ts';

await writeFile(join(import.meta.dirname, '..', 'config', 'admission', 'policies.yaml'), renderAdmissionYaml());
console.log('wrote config/admission/policies.yaml');
