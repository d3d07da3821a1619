// What every command gets: the connection from the global flags (kubeconfig.ts), the output streams
// and the colours for them.
import type { Command } from 'commander';
import { Cluster } from './cluster.ts';
import { resolveConnection, type ConnectionFlags } from './kubeconfig.ts';
import { colourFor, palette, type Palette } from './render.ts';

export interface GlobalFlags extends ConnectionFlags {
  readonly allNamespaces?: boolean;
}

/** The cluster the command's global flags (--kubeconfig, --context, -n) point at. */
export function connect(cmd: Command): Cluster {
  const flags = cmd.optsWithGlobals<GlobalFlags>();
  return new Cluster(resolveConnection(flags));
}

export function stdoutPalette(): Palette {
  return palette(colourFor(process.stdout));
}

export function stderrPalette(): Palette {
  return palette(colourFor(process.stderr));
}

/** Writes lines to stdout. */
export function print(lines: readonly string[]): void {
  process.stdout.write(lines.length === 0 ? '' : `${lines.join('\n')}\n`);
}
