// A part of `kubectl vapp plan`: the flags it adds and the spec fields it writes from them. The
// command is the list of these (index.ts); a new spec part (a base image to rebase onto) is one more
// module.
import type { Option } from 'commander';

/** The spec being written, as plain JSON (the API server applies the schema's defaults). */
export type SpecDraft = Record<string, unknown>;

export interface PlanOption {
  /** The spec fields it writes and the flag that sets each, to name the flag in a validation error. */
  readonly fields: Readonly<Record<string, string>>;
  readonly options: () => readonly Option[];
  /** Writes its fields from the parsed flags; throws a CliError on bad input, naming the flag. */
  readonly apply: (flags: Readonly<Record<string, unknown>>, spec: SpecDraft) => void;
}
