// Which version of a base image a VM's root disk runs, and how that is known: the provenance. CDI
// keeps no record of which import a disk was cloned from (a DataVolume's sourceRef is re-resolved
// until the clone is done, and the per-clone VolumeCloneSource is deleted when it succeeds), so the
// evidence is read in order of trust:
//   1. Provenance: the operator's annotations on the disk (DataVolume or PVC) it made;
//   2. DataVolumeSource: the disk's DataVolume (or the VM's dataVolumeTemplate) names an import in
//      spec.source.pvc/snapshot, or the PVC's dataSource names one, or CDI's import endpoint
//      annotation carries its digest;
//   3. ContainerImage: a containerDisk image reference with a tag of the BaseImage;
//   4. Annotation: the VM's base.vapp.dev/version (written by the operator once it knew, copied to
//      clones by KubeVirt, or stated by a person);
//   5. GuestOS: the guest agent reports what exactly one version is known to report;
//   6. else Unknown, with a message that says how to state the version.
// Pure: the caller passes the cached objects.
import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import {
  ANNOTATION_BASE_IMAGE,
  ANNOTATION_BASE_SOURCE,
  ANNOTATION_BASE_VERSION,
  type BaseImage,
  type BaseImageRef,
  type ProvenanceMethod,
  type VersionStatus,
} from '../../api/v1alpha1/index.ts';
import { CDI_ANNOTATION_ENDPOINT } from '../../kubevirt/cdi.ts';
import type { DataVolume, VirtualMachine, VirtualMachineInstance, Volume } from '../../kubevirt/types.ts';

/** What the provenance of a disk is matched against: a BaseImage's versions. */
export interface VersionCatalog {
  /** `<namespace>/<name>` of the BaseImage. */
  readonly image: string;
  readonly namespace: string;
  /** Newest first, as in status.versions. */
  readonly versions: readonly VersionStatus[];
  /** spec.source.containerDisk.repository, for containerDisk roots. */
  readonly repository?: string;
  /** spec.guestOS.field. */
  readonly guestField?: 'versionId' | 'kernelRelease';
}

/** `<namespace>/<name>` of a BaseImage reference, its namespace defaulting to `namespace`. */
export function imageKey(ref: BaseImageRef, namespace: string): string {
  return `${ref.namespace ?? namespace}/${ref.name}`;
}

export function catalogOf(image: BaseImage): VersionCatalog {
  const namespace = image.metadata.namespace ?? '';
  const repository = image.spec.source.containerDisk?.repository;
  const guestField = image.spec.guestOS?.field;
  return {
    image: `${namespace}/${image.metadata.name ?? ''}`,
    namespace,
    versions: image.status?.versions ?? [],
    ...(repository === undefined ? {} : { repository }),
    ...(guestField === undefined ? {} : { guestField }),
  };
}

/**
 * The version as a label value (63 characters, alphanumerics, `-`, `_` and `.`): the first 12 hex
 * digits of a digest (as CDI names its imports), of a uid, else the version itself made safe.
 */
export function versionLabel(version: string): string {
  const digest = /^sha256:([0-9a-f]{12})/.exec(version);
  if (digest?.[1] !== undefined) return digest[1];
  if (version.startsWith('uid:')) return version.slice(4).replaceAll('-', '').slice(0, 12) || 'unknown';
  const safe = version
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return safe === '' ? 'unknown' : safe;
}

/** The version a person or a plan names: its id, its label or its display name (when that names one version). */
export function findVersion(catalog: VersionCatalog, text: string): VersionStatus | undefined {
  const t = text.trim();
  const exact = catalog.versions.find((v) => v.version === t || v.label === t);
  if (exact !== undefined) return exact;
  const byName = catalog.versions.filter((v) => v.displayVersion === t);
  return byName.length === 1 ? byName[0] : undefined;
}

/** The version whose import object is `namespace/name` (a PVC and a VolumeSnapshot of one import share the name). */
export function versionOfObject(catalog: VersionCatalog, namespace: string, name: string): VersionStatus | undefined {
  return catalog.versions.find(
    (v) =>
      v.source !== undefined &&
      v.source.kind !== 'ContainerImage' &&
      (v.source.namespace ?? catalog.namespace) === namespace &&
      v.source.name === name,
  );
}

/** The version of a digest (`sha256:…`) found in an image reference or CDI endpoint URL. */
export function versionOfDigest(catalog: VersionCatalog, reference: string): VersionStatus | undefined {
  const digest = /@(sha256:[0-9a-f]{64})/.exec(reference)?.[1];
  return digest === undefined ? undefined : catalog.versions.find((v) => v.version === digest);
}

/** The caches provenance reads disks from. */
export interface DiskLookup {
  dataVolume(namespace: string, name: string): DataVolume | undefined;
  pvc(namespace: string, name: string): V1PersistentVolumeClaim | undefined;
}

/** How the version of one VM's root disk is known. */
export interface Provenance {
  readonly determinedBy: ProvenanceMethod;
  /** The version id; undefined when Unknown. */
  readonly version?: string;
  /** The catalog entry of the version, when the BaseImage lists it. */
  readonly entry?: VersionStatus;
  /** Where the disk came from, for people (e.g. `VolumeSnapshot golden/fedora-3a5b8c9d0e1f`). */
  readonly source?: string;
  /** What the guest agent reports in the BaseImage's guestOS field. */
  readonly guestOS?: string;
  /** Why the version is unknown and how to state it, or a caveat. */
  readonly message?: string;
}

/** Exact methods: what they say can be trusted for releases and recorded on the VM for its clones. */
export function isExact(method: ProvenanceMethod): boolean {
  return method === 'Provenance' || method === 'DataVolumeSource' || method === 'ContainerImage';
}

export interface ProvenanceInput {
  readonly catalog: VersionCatalog;
  readonly vm: VirtualMachine;
  readonly vmi?: VirtualMachineInstance;
  /** The VM volume that carries the base image (the member's spec.members[].baseImage.volume). */
  readonly volume: string;
  readonly lookup: DiskLookup;
}

export function provenanceOf(input: ProvenanceInput): Provenance {
  const { catalog, vm, vmi } = input;
  const namespace = vm.metadata?.namespace ?? '';
  const vmName = vm.metadata?.name ?? '';
  const guestOS = guestValue(catalog, vmi);
  const withGuest = (p: Provenance): Provenance => (guestOS === undefined ? p : { ...p, guestOS });
  const volume = vm.spec.template.spec?.volumes?.find((v) => v.name === input.volume);
  if (volume === undefined) {
    return withGuest({
      determinedBy: 'Unknown',
      message: `VM ${vmName} has no volume ${input.volume} (spec.members[].baseImage.volume)`,
    });
  }
  const disk = diskEvidence(catalog, vm, volume, input.lookup);
  if (disk.found !== undefined) return withGuest(disk.found);
  const annotated = annotationEvidence(catalog, vm);
  if (annotated.found !== undefined) return withGuest(annotated.found);
  if (guestOS !== undefined) {
    const matching = catalog.versions.filter((v) => v.guestOS === guestOS && v.state !== 'Released');
    const only = matching.length === 1 ? matching[0] : undefined;
    if (only !== undefined)
      return { determinedBy: 'GuestOS', version: only.version, entry: only, guestOS, source: 'the guest agent' };
  }
  const why = [disk.why, annotated.why].filter((w) => w !== undefined).join('; ');
  return withGuest({
    determinedBy: 'Unknown',
    message: `${why === '' ? `nothing tells which version of ${catalog.image} the disk of volume ${input.volume} runs` : why}; state it with: kubectl annotate vm -n ${namespace} ${vmName} ${ANNOTATION_BASE_VERSION}=<version> (${versionChoices(catalog)})`,
  });
}

/** Evidence found on a VM's volume, or why there is none. */
interface Evidence {
  readonly found?: Provenance;
  readonly why?: string;
}

/** Provenance from one volume's disk: the operator's annotations, the DataVolume's source, the PVC's source, the image. */
export function diskEvidence(
  catalog: VersionCatalog,
  vm: VirtualMachine,
  volume: Volume,
  lookup: DiskLookup,
): Evidence {
  const namespace = vm.metadata?.namespace ?? '';
  if (volume.containerDisk !== undefined) return imageEvidence(catalog, volume.containerDisk.image);
  const claim = volume.persistentVolumeClaim?.claimName ?? volume.dataVolume?.name;
  if (claim === undefined) return { why: `volume ${volume.name} is neither a PVC, a DataVolume nor a containerDisk` };
  const dv = lookup.dataVolume(namespace, claim);
  const template = vm.spec.dataVolumeTemplates?.find((t) => t.metadata?.name === claim);
  const pvc = lookup.pvc(namespace, claim);
  // 1. The operator's own record, on the DataVolume or its PVC.
  for (const obj of [dv, pvc]) {
    const a = obj?.metadata?.annotations ?? {};
    const version = a[ANNOTATION_BASE_VERSION];
    if (version !== undefined && a[ANNOTATION_BASE_IMAGE] === catalog.image) {
      const entry = catalog.versions.find((v) => v.version === version);
      const source = a[ANNOTATION_BASE_SOURCE];
      return {
        found: {
          determinedBy: 'Provenance',
          version,
          ...(entry ? { entry } : {}),
          source: source === undefined ? `disk ${claim}` : source.replace('/', ' '),
        },
      };
    }
  }
  // 2. The DataVolume's source (the standalone DataVolume, else the VM's template of it).
  const spec = dv?.spec ?? template?.spec;
  const fromSource = (ns: string | undefined, name: string, kind: string): Evidence => {
    const entry = versionOfObject(catalog, ns ?? namespace, name);
    return entry === undefined
      ? {
          why: `the DataVolume ${claim} was cloned from ${kind} ${ns ?? namespace}/${name}, which is no version of ${catalog.image}`,
        }
      : {
          found: {
            determinedBy: 'DataVolumeSource',
            version: entry.version,
            entry,
            source: `${kind} ${ns ?? namespace}/${name}`,
          },
        };
  };
  if (spec?.source?.pvc !== undefined)
    return fromSource(spec.source.pvc.namespace || undefined, spec.source.pvc.name, 'PersistentVolumeClaim');
  if (spec?.source?.snapshot !== undefined)
    return fromSource(spec.source.snapshot.namespace || undefined, spec.source.snapshot.name, 'VolumeSnapshot');
  const url = spec?.source?.registry?.url;
  if (url !== undefined) {
    const entry = versionOfDigest(catalog, url);
    if (entry !== undefined)
      return { found: { determinedBy: 'DataVolumeSource', version: entry.version, entry, source: url } };
  }
  // 3. The PVC: its data source, or CDI's record of the URL it imported.
  const ref = pvc?.spec?.dataSourceRef ?? pvc?.spec?.dataSource;
  if (ref !== undefined && (ref.kind === 'VolumeSnapshot' || ref.kind === 'PersistentVolumeClaim')) {
    const refNamespace = (ref as { namespace?: string }).namespace;
    const entry = versionOfObject(catalog, refNamespace ?? namespace, ref.name);
    if (entry !== undefined) {
      return {
        found: {
          determinedBy: 'DataVolumeSource',
          version: entry.version,
          entry,
          source: `${ref.kind} ${refNamespace ?? namespace}/${ref.name}`,
        },
      };
    }
  }
  const endpoint = pvc?.metadata?.annotations?.[CDI_ANNOTATION_ENDPOINT];
  if (endpoint !== undefined) {
    const entry = versionOfDigest(catalog, endpoint);
    if (entry !== undefined)
      return { found: { determinedBy: 'DataVolumeSource', version: entry.version, entry, source: endpoint } };
  }
  if (spec?.sourceRef !== undefined) {
    return {
      why: `the DataVolume ${claim} was cloned through sourceRef ${spec.sourceRef.kind} ${spec.sourceRef.namespace ?? namespace}/${spec.sourceRef.name}, which CDI does not record the version of`,
    };
  }
  return { why: `the disk ${claim} of volume ${volume.name} names no version of ${catalog.image}` };
}

function imageEvidence(catalog: VersionCatalog, image: string): Evidence {
  if (catalog.repository === undefined) return { why: `volume is the containerDisk ${image}` };
  const digestEntry = versionOfDigest(catalog, image);
  if (digestEntry !== undefined)
    return {
      found: { determinedBy: 'ContainerImage', version: digestEntry.version, entry: digestEntry, source: image },
    };
  const withoutDigest = image.split('@', 1)[0] ?? '';
  const colon = withoutDigest.lastIndexOf(':');
  const slash = withoutDigest.lastIndexOf('/');
  const repository = colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
  const tag = colon > slash ? withoutDigest.slice(colon + 1) : undefined;
  if (repository !== catalog.repository) return { why: `the containerDisk ${image} is not of ${catalog.repository}` };
  const entry = tag === undefined ? undefined : catalog.versions.find((v) => v.version === tag);
  if (entry === undefined) return { why: `the containerDisk ${image} has no tag of ${catalog.image}` };
  return { found: { determinedBy: 'ContainerImage', version: entry.version, entry, source: image } };
}

function annotationEvidence(catalog: VersionCatalog, vm: VirtualMachine): Evidence {
  const a = vm.metadata?.annotations ?? {};
  const stated = a[ANNOTATION_BASE_VERSION];
  if (stated === undefined) return {};
  const image = a[ANNOTATION_BASE_IMAGE];
  if (image !== undefined && image !== catalog.image)
    return { why: `VM annotation ${ANNOTATION_BASE_IMAGE} names ${image}` };
  const entry = findVersion(catalog, stated);
  if (entry === undefined)
    return { why: `VM annotation ${ANNOTATION_BASE_VERSION}=${stated} names no version of ${catalog.image}` };
  const source = a[ANNOTATION_BASE_SOURCE];
  return {
    found: {
      determinedBy: 'Annotation',
      version: entry.version,
      entry,
      source: source === undefined ? `VM annotation ${ANNOTATION_BASE_VERSION}` : source.replace('/', ' '),
    },
  };
}

function guestValue(catalog: VersionCatalog, vmi: VirtualMachineInstance | undefined): string | undefined {
  if (catalog.guestField === undefined) return undefined;
  const value = vmi?.status?.guestOSInfo?.[catalog.guestField];
  return value === undefined || value === '' ? undefined : value;
}

function versionChoices(catalog: VersionCatalog): string {
  const live = catalog.versions.filter((v) => v.state !== 'Released').slice(0, 4);
  if (live.length === 0) return `${catalog.image} lists no version yet`;
  return `versions of ${catalog.image}: ${live.map((v) => (v.displayVersion === v.label ? v.label : `${v.label} (${v.displayVersion})`)).join(', ')}`;
}

/**
 * The annotations that record a disk's provenance on the VM (so that VirtualMachineClone, which
 * copies a VM's annotations, carries it to clones whose root disk is a restored copy).
 */
export function provenanceAnnotations(image: string, version: string, source?: string): Record<string, string> {
  return {
    [ANNOTATION_BASE_IMAGE]: image,
    [ANNOTATION_BASE_VERSION]: version,
    ...(source === undefined ? {} : { [ANNOTATION_BASE_SOURCE]: source }),
  };
}
