// How a live level is compared with a target level. Pure. Used by the plan diff and, after the
// update, to check that the clone reached its target.
//
// The rule, so that every level source behaves predictably:
// - Targets are strict semver (the schema refuses anything else).
// - A live level read from the guest agent (`guestOS`: versionId such as `12` or `22.04`,
//   kernelRelease such as `6.1.0-27-amd64`) is always reduced to its leading
//   MAJOR[.MINOR[.PATCH]] numbers: distributions put build and ABI numbers after a dash, and
//   reading `6.1.0-27-amd64` as a semver pre-release would rank every Debian kernel below 6.1.0.
// - Any other live level (annotation, image tag) that is valid semver (a leading `v` is allowed)
//   is compared with full semver precedence: 16.4.0-rc.1 < 16.4.0; build metadata is ignored
//   (16.4.0+b1 equals 16.4.0).
// - Any other live level that starts with 1 to 3 dot-separated numbers (`16`, `16.2`,
//   `16.2-alpine`) is reduced to those numbers, missing parts being 0.
// - Anything else (`latest`, `sha-1234`) is not comparable. semver.coerce alone would find
//   `1234` inside `sha-1234`; this rule looks only at the start of the level.
import semver from 'semver';
import type { LevelSource } from '../../api/v1alpha1/index.ts';

/** A live level made comparable, or why it is not. */
export type ComparableLevel = { readonly version: string; readonly coerced: boolean } | { readonly problem: string };

const LEADING_NUMBERS = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?![\d.])/;

/** Reads a live level (as the appliance's inventory reports it) as a semver version. */
export function comparableLevel(live: string, source?: Pick<LevelSource, 'guestOS'>): ComparableLevel {
  const trimmed = live.trim();
  if (source?.guestOS === undefined) {
    const strict = semver.valid(trimmed);
    if (strict !== null) return { version: strict, coerced: false };
  }
  const m = LEADING_NUMBERS.exec(trimmed);
  if (m === null) return { problem: `"${live}" is not a semantic version and does not start with a version number` };
  const version = `${Number(m[1])}.${Number(m[2] ?? 0)}.${Number(m[3] ?? 0)}`;
  if (semver.valid(version) === null) return { problem: `"${live}" has a version number out of range` };
  return { version, coerced: true };
}

/**
 * Compares a live level with a target: negative when the live level is behind, 0 when equal,
 * positive when ahead. Returns a problem when the live level is not comparable.
 */
export function compareLevels(
  live: string,
  target: string,
  source?: Pick<LevelSource, 'guestOS'>,
): { readonly order: number } | { readonly problem: string } {
  const level = comparableLevel(live, source);
  if ('problem' in level) return level;
  return { order: semver.compare(level.version, target) };
}
