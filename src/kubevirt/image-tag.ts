/**
 * The tag of an image reference (`registry:5000/repo/name:tag@sha256:...` → `tag`), or undefined
 * when it has none. A `docker://` prefix (CDI registry URLs) is ignored. A colon before the last
 * slash belongs to a registry port, not to a tag.
 */
export function imageTag(reference: string): string | undefined {
  const withoutScheme = reference.replace(/^docker:\/\//, '');
  const withoutDigest = withoutScheme.split('@', 1)[0] ?? '';
  const lastSlash = withoutDigest.lastIndexOf('/');
  const lastColon = withoutDigest.lastIndexOf(':');
  if (lastColon <= lastSlash) return undefined;
  const tag = withoutDigest.slice(lastColon + 1);
  return tag === '' ? undefined : tag;
}

/** `repository:tag` with any tag or digest of `repository` replaced. */
export function withTag(repository: string, tag: string): string {
  return `${repository}:${tag}`;
}
