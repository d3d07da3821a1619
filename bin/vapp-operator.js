#!/usr/bin/env node
// The `vapp-operator` command. In a source checkout it runs the TypeScript directly (Node 24 strips
// the types), so `npx vapp-operator ...` works without a build; the container image has no sources
// and runs the compiled dist/.
import { existsSync } from 'node:fs';

const source = new URL('../src/main.ts', import.meta.url);
await import(existsSync(source) ? source.href : new URL('../dist/main.js', import.meta.url).href);
