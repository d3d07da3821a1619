// `kubectl vapp completion bash|zsh`: the scripts beside this file, which ask the plugin itself
// what may come next (engine.ts), so they never go stale. With kubectl 1.26+ `kubectl vapp <TAB>`
// needs no script at all: kubectl runs the `kubectl_complete-vapp` executable that the package
// installs beside `kubectl-vapp`.
import { readFile } from 'node:fs/promises';

export const SHELLS = ['bash', 'zsh'] as const;
export type Shell = (typeof SHELLS)[number];

export async function completionScript(shell: Shell): Promise<string> {
  return readFile(new URL(`./kubectl-vapp.${shell}`, import.meta.url), 'utf8');
}
