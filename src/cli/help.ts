// The "Examples:" section of a command's --help.

/** Rows of [command, what it does], as help text to put after the options. */
export function cliExamples(rows: readonly (readonly [string, string])[]): string {
  return `\nExamples:\n${rows.map(([cmd, what]) => `  # ${what}\n  ${cmd}\n`).join('\n')}`;
}
