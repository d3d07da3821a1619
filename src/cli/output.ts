// -o json|yaml: machine-readable output, the same for every command that takes it.
import { Option } from 'commander';
import { stringify } from 'yaml';

export const OUTPUT_FORMATS = ['json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** The -o/--output option. */
export function outputOption(what: string): Option {
  return new Option('-o, --output <format>', `print ${what} as json or yaml instead of the view`).choices(
    OUTPUT_FORMATS,
  );
}

/** One object as JSON (indented) or YAML, ending with a newline. */
export function formatObject(obj: unknown, format: OutputFormat): string {
  return format === 'json' ? `${JSON.stringify(obj, null, 2)}\n` : stringify(obj, { lineWidth: 0 });
}

/** Another object of a stream (--watch): YAML documents are separated by ---. */
export function formatStreamed(obj: unknown, format: OutputFormat, first: boolean): string {
  return format === 'yaml' && !first ? `---\n${formatObject(obj, format)}` : formatObject(obj, format);
}
