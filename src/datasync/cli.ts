#!/usr/bin/env node
// Stand-alone entry of the datasync worker: the same command as `vapp-operator datasync`, without
// loading the operator's other subcommands (so it starts in about a tenth of a second). Used by the
// benchmark and the crash tests; `node src/datasync/cli.ts --source A --target B`.
import { datasyncCommand } from './command.ts';

await datasyncCommand().name('datasync').parseAsync(process.argv);
