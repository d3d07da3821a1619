// The vapp.dev/levels annotation: a JSON map of component name to level on a member VM, read by the
// `annotation` level source and written by updates that set a level (an image update, the sandbox's
// update Jobs). One codec, so that reading and writing agree on what a malformed value is.
import { ANNOTATION_LEVELS } from './meta.ts';

/** The levels the annotation holds, or why it holds none. Non-string values are left out. */
export type LevelsReading = { readonly levels: Readonly<Record<string, string>> } | { readonly problem: string };

export function readLevels(raw: string | undefined): LevelsReading {
  if (raw === undefined) return { problem: `has no ${ANNOTATION_LEVELS} annotation` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { problem: `annotation ${ANNOTATION_LEVELS} is not JSON` };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { problem: `annotation ${ANNOTATION_LEVELS} is not a JSON object of component to level` };
  }
  const levels = Object.fromEntries(
    Object.entries(parsed as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
  return { levels };
}

/** The annotation's value with `component` at `level`; a malformed value is replaced. */
export function withLevel(raw: string | undefined, component: string, level: string): string {
  const reading = readLevels(raw);
  return JSON.stringify({ ...('levels' in reading ? reading.levels : {}), [component]: level });
}
