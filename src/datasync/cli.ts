#!/usr/bin/env node
// Stand-alone entry of the datasync worker: the same command as `vapp-operator datasync`, without
// loading the operator's other subcommands (so it starts in about a tenth of a second). Used by the
// benchmark and the crash tests; `node src/datasync/cli.ts --source A --target B`.
//
// Node's compile cache (in the OS temp folder; skipped silently where that is not writable) keeps the
// compiled modules between runs: from the second run on, starting takes about 0.06 s instead of
// 0.2-0.3 s, most of which was stripping the TypeScript types. Hence the dynamic import, after it.
import { enableCompileCache } from 'node:module';

enableCompileCache();
const { datasyncCommand } = await import('./command.ts');
await datasyncCommand().name('datasync').parseAsync(process.argv);
