// The simulated container registry the sandbox's CDI imports golden images from, and what an
// imported disk holds. A registry maps a tag to an image digest; in the sandbox the image behind a
// tag is named by an annotation on the DataImportCron that polls it,
// `sim.vapp.dev/registry-version: "40.2"` ("the tag now points at the 40.2 build"), so that one
// `kubectl annotate` publishes a new version. The digest is the SHA-256 of the repository, tag and
// version. An imported disk is a sparse file whose first 4 KiB block holds an os-release text, which
// the simulated guest agent reports (os-release.ts): a rebased VM "boots" the new version.
import { createHash } from 'node:crypto';
import { SIM_PREFIX } from '../annotations.ts';

export const CDI_SIM_ANNOTATIONS = {
  /** On a DataImportCron: the version of the image its registry URL's tag points at now (default: the tag). */
  registryVersion: `${SIM_PREFIX}registry-version`,
  /**
   * On a DataImportCron: `snapshot` or `pvc`, the format its imports are kept in (CDI reads it from
   * the StorageProfile's status.dataImportCronSourceFormat; the sandbox has no StorageProfiles).
   * Default pvc, as CDI's.
   */
  sourceFormat: `${SIM_PREFIX}source-format`,
} as const;

/** An image in the registry. */
export interface RegistryImage {
  readonly repository: string;
  readonly tag?: string;
  readonly digest: string;
  /** The OS version the image holds (VERSION_ID of its os-release). */
  readonly version: string;
  /** The OS id (ID of its os-release): the last part of the repository. */
  readonly osId: string;
}

/** `docker://host/path:tag` or `docker://host/path@sha256:…` split into its parts. */
export function parseRegistryUrl(url: string): { repository: string; tag?: string; digest?: string } {
  const ref = url.replace(/^docker:\/\//, '');
  const at = ref.indexOf('@');
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  const name = at >= 0 ? ref.slice(0, at) : ref;
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  const tagged = colon > slash;
  return {
    repository: tagged ? name.slice(0, colon) : name,
    ...(tagged ? { tag: name.slice(colon + 1) } : {}),
    ...(digest === undefined ? {} : { digest }),
  };
}

export class SimRegistry {
  readonly #byDigest = new Map<string, RegistryImage>();
  /** The version each `repository:tag` points at, as last published. */
  readonly #current = new Map<string, string>();

  /** The image a tag points at when it holds `version` (the tag itself when no version is named). */
  publish(url: string, version: string | undefined): RegistryImage {
    const { repository, tag } = parseRegistryUrl(url);
    const v = version ?? tag ?? 'latest';
    const digest = `sha256:${createHash('sha256')
      .update(`${repository}:${tag ?? 'latest'}\n${v}`)
      .digest('hex')}`;
    const image = { repository, ...(tag === undefined ? {} : { tag }), digest, version: v, osId: osIdOf(repository) };
    this.#byDigest.set(digest, image);
    this.#current.set(`${repository}:${tag ?? 'latest'}`, v);
    return image;
  }

  /** The image a URL names: by digest (an unknown digest holds a version named after it), else its tag's current image. */
  resolve(url: string): RegistryImage {
    const { repository, tag, digest } = parseRegistryUrl(url);
    if (digest !== undefined) {
      return (
        this.#byDigest.get(digest) ?? {
          repository,
          digest,
          version: digest.replace(/^sha256:/, '').slice(0, 12),
          osId: osIdOf(repository),
        }
      );
    }
    const key = `${repository}:${tag ?? 'latest'}`;
    return this.publish(key, this.#current.get(key));
  }
}

function osIdOf(repository: string): string {
  return repository.slice(repository.lastIndexOf('/') + 1) || 'linux';
}
