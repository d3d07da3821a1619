// BaseImage: a shared base of the operating system (a golden image) that VMs' root disks are made
// from, with every version it had, which VMs run each version, and when the storage of a version
// that nothing uses any more is released. Also the pieces of the other two kinds that name a base
// image: a reference, a version, how a member's version was learned, and the provenance annotations.
import { z } from 'zod';
import {
  API_VERSION,
  GUEST_OS_FIELDS,
  ObjectMetaSchema,
  conditions,
  count,
  dnsLabel,
  duration,
  objectName,
  timestamp,
} from './meta.ts';
import { JobTemplateSchema } from './common.ts';
import { atMostOne, cel, exactlyOne, setOf } from './rules.ts';

export const BASE_IMAGE_KIND = 'BaseImage';
export const BASE_IMAGE_PLURAL = 'baseimages';
export const BASE_IMAGE_SINGULAR = 'baseimage';
export const BASE_IMAGE_SHORT_NAMES = ['bimg'] as const;

/** Prefix of the provenance annotations and of the appliance's base image labels. */
export const BASE_IMAGE_PREFIX = 'base.vapp.dev/';
/**
 * On a disk (DataVolume, PVC) the operator made from a base image, and on the VM whose root it is:
 * the BaseImage, as `<namespace>/<name>`.
 */
export const ANNOTATION_BASE_IMAGE = `${BASE_IMAGE_PREFIX}image`;
/**
 * On such a disk and VM: the version it was made from. A person may set it on a member VM to state
 * the version of a root disk the operator cannot tell (the BaseImage is then the member's).
 */
export const ANNOTATION_BASE_VERSION = `${BASE_IMAGE_PREFIX}version`;
/** On such a disk and VM: the import object it was cloned from, `<Kind>/<namespace>/<name>`. */
export const ANNOTATION_BASE_SOURCE = `${BASE_IMAGE_PREFIX}source`;
/** Finalizer on a version's PVC or VolumeSnapshot while the BaseImage keeps it (CDI's garbage collection waits for it). */
export const BASE_IMAGE_FINALIZER = 'vapp.dev/base-image-in-use';
/** The appliance label `base.vapp.dev/<image>=<version label>` (see versionLabel in the BaseImage status). */
export function baseImageLabel(image: string): string {
  return `${BASE_IMAGE_PREFIX}${image}`;
}

/** States of a version, newest first in status.versions. */
export const VERSION_STATES = [
  'Latest',
  'InUse',
  'Retained',
  'Releasable',
  'Releasing',
  'Released',
  'Missing',
] as const;
export type VersionState = (typeof VERSION_STATES)[number];
export const RELEASE_POLICIES = ['Automatic', 'Manual', 'Never'] as const;
export type ReleasePolicy = (typeof RELEASE_POLICIES)[number];
export const GARBAGE_COLLECTION_MODES = ['Guard', 'TakeOver'] as const;
export type GarbageCollectionMode = (typeof GARBAGE_COLLECTION_MODES)[number];
/** How the version of a member's root disk was learned, most trusted first. */
export const PROVENANCE_METHODS = [
  'Provenance',
  'DataVolumeSource',
  'ContainerImage',
  'Annotation',
  'GuestOS',
  'Unknown',
] as const;
export type ProvenanceMethod = (typeof PROVENANCE_METHODS)[number];
/** Kinds of object a version lives in. */
export const VERSION_SOURCE_KINDS = ['PersistentVolumeClaim', 'VolumeSnapshot', 'ContainerImage'] as const;
export type VersionSourceKind = (typeof VERSION_SOURCE_KINDS)[number];

const MAX_VERSIONS = 32;
const MAX_HOLDERS = 10;
const IMAGE_REPOSITORY = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** A version: a digest (sha256:…), `uid:<uid>`, a tag or a version listed by hand. */
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._:@+-]*$/;

/** A version of a base image as the API writes it. */
export function versionId(description: string) {
  return z
    .string()
    .min(1)
    .max(256)
    .regex(VERSION, {
      error: 'must be a version such as sha256:<digest>, uid:<uid>, a tag or a version listed in the BaseImage',
    })
    .describe(description);
}

export const BaseImageRefSchema = z
  .object({
    name: dnsLabel('Name of the BaseImage (at most 63 characters: it is part of the label base.vapp.dev/<name>).'),
    namespace: dnsLabel('Namespace of the BaseImage; the namespace of the object naming it when omitted.').optional(),
  })
  .describe('A BaseImage, by name and namespace.');
export type BaseImageRef = z.infer<typeof BaseImageRefSchema>;

const ObjectInNamespaceSchema = z
  .object({
    name: objectName('Name of the object.'),
    namespace: dnsLabel("Namespace of the object; the BaseImage's when omitted.").optional(),
  })
  .describe('An object by name and namespace.');

export const ExplicitVersionSchema = atMostOne(
  z
    .object({
      version: versionId('The version, as plans and provenance annotations name it.'),
      displayVersion: z.string().max(128).optional().describe('A name for people, e.g. 40.20260801.'),
      guestOS: z
        .string()
        .max(256)
        .optional()
        .describe("What the guest agent reports in the BaseImage's spec.guestOS field when a VM runs this version."),
      pvc: ObjectInNamespaceSchema.optional().describe('The PersistentVolumeClaim holding this version.'),
      snapshot: ObjectInNamespaceSchema.optional().describe('The VolumeSnapshot holding this version.'),
    })
    .describe('A version listed by hand, with the PVC or VolumeSnapshot it lives in (at most one).'),
  ['pvc', 'snapshot'],
  'spec.source.explicit.versions[]',
);
export type ExplicitVersion = z.infer<typeof ExplicitVersionSchema>;

export const BaseImageSourceSchema = exactlyOne(
  z
    .object({
      dataSource: z
        .object({ name: objectName("Name of the CDI DataSource in the BaseImage's namespace.") })
        .optional()
        .describe(
          'Follow a CDI DataSource (typically kept current by a DataImportCron): each new status.source that stays Ready for settleSeconds becomes the latest version.',
        ),
      containerDisk: z
        .object({
          repository: z
            .string()
            .min(1)
            .max(512)
            .regex(IMAGE_REPOSITORY, { error: 'must be an image repository without tag or digest' })
            .describe('Image repository without tag, e.g. registry.example.com/os/fedora.'),
          tags: setOf(
            z
              .array(
                z
                  .string()
                  .regex(IMAGE_TAG, { error: 'must be an image tag' })
                  .describe('A tag of the repository: one version.'),
              )
              .min(1)
              .max(MAX_VERSIONS),
            'spec.source.containerDisk.tags',
          ).describe('The versions, oldest first: the last tag is the latest version.'),
        })
        .optional()
        .describe('Versions are tags of a containerDisk image, listed in the spec (e.g. bumped by GitOps).'),
      explicit: z
        .object({
          versions: z
            .array(ExplicitVersionSchema)
            .min(1)
            .max(MAX_VERSIONS)
            .describe('The versions, oldest first: the last is the latest version.'),
        })
        .optional()
        .describe('Versions listed by hand.'),
    })
    .describe('Where the versions come from. Exactly one of dataSource, containerDisk, explicit.'),
  ['dataSource', 'containerDisk', 'explicit'],
  'spec.source',
);
export type BaseImageSource = z.infer<typeof BaseImageSourceSchema>;

export const ReleaseSchema = z
  .object({
    policy: z
      .enum(RELEASE_POLICIES)
      .default('Automatic')
      .describe(
        'Automatic: release a version once nothing uses it and the delays below have passed. Manual: release only the versions listed in approve. Never: keep every version.',
      ),
    approve: setOf(z.array(versionId('A version that may be released.')).max(MAX_VERSIONS), 'spec.release.approve')
      .default([])
      .describe('With policy Manual: the versions that may be released once nothing uses them.'),
    keepPrevious: z
      .int()
      .min(0)
      .max(MAX_VERSIONS)
      .default(1)
      .describe('The newest versions before the latest that are kept even when unused (to go back quickly).'),
    minUnusedFor: duration('How long a version must be unused before it is released (a duration such as 72h).').default(
      '72h',
    ),
    protect: z
      .boolean()
      .default(true)
      .describe(
        'Keep the finalizer vapp.dev/base-image-in-use on the PVC or VolumeSnapshot of every version that is not released, so that no deletion (CDI garbage collection included) removes its storage before that.',
      ),
    garbageCollection: z
      .enum(GARBAGE_COLLECTION_MODES)
      .default('Guard')
      .describe(
        "Guard: CDI's DataImportCron keeps collecting old imports; a deletion of a version that is kept waits for the finalizer, which is removed once the version is released. TakeOver: set the DataImportCron's garbageCollect to Never and delete a released version (its import DataVolume, else its PVC, or its VolumeSnapshot) here.",
      ),
  })
  .describe('When the storage of an old version is released.');
export type Release = z.infer<typeof ReleaseSchema>;

export const BaseImageSpecSchema = z
  .object({
    source: BaseImageSourceSchema,
    settleSeconds: z
      .int()
      .min(0)
      .max(86400)
      .default(300)
      .describe('How long a new DataSource source must stay Ready before it becomes the latest version.'),
    guestOS: z
      .object({
        field: z
          .enum(GUEST_OS_FIELDS)
          .describe("Field of the VMI's status.guestOSInfo that tells the version: versionId or kernelRelease."),
      })
      .optional()
      .describe(
        'After a rebase the guest must report the version here: its expected value (listed by hand, or learned from the VMs that run the version) is checked.',
      ),
    release: ReleaseSchema.prefault({}),
  })
  .describe('The base image: where its versions come from and when an old version is released.');
export type BaseImageSpec = z.infer<typeof BaseImageSpecSchema>;
export type BaseImageSpecInput = z.input<typeof BaseImageSpecSchema>;

export const VersionSourceSchema = z
  .object({
    kind: z.enum(VERSION_SOURCE_KINDS).describe('PersistentVolumeClaim, VolumeSnapshot or ContainerImage.'),
    namespace: z.string().max(63).optional().describe('Namespace of the object.'),
    name: z.string().min(1).max(1024).describe('Name of the object, or the image reference.'),
    uid: z.string().max(64).optional().describe('UID of the object.'),
    size: z
      .string()
      .max(64)
      .optional()
      .describe(
        "Size of the object (a PVC's capacity, a VolumeSnapshot's restoreSize): a new root disk gets at least this.",
      ),
  })
  .describe('The object a version lives in.');
export type VersionSource = z.infer<typeof VersionSourceSchema>;

export const VersionUsageSchema = z
  .object({
    appliances: count('Appliances serving from a member on this version.').default(0),
    retainedOriginals: count(
      'Stopped original VMs kept for a rollback (or failed clones kept) on this version.',
    ).default(0),
    snapshots: count('VirtualMachineSnapshots of VMs on this version.').default(0),
    plans: count('MaintenancePlans in flight that rebase from or to this version.').default(0),
    inFlightClones: count('Clone VMs of plans in flight, and DataVolumes still cloning from this version.').default(0),
    otherVMs: count('VMs outside any appliance (or outside its base image) that use this version.').default(0),
    unknown: count(
      "Member VMs of this image whose version is unknown and which may run this one (their root disk is older than this version's end).",
    ).default(0),
  })
  .describe('Who uses the version.');
export type VersionUsage = z.infer<typeof VersionUsageSchema>;

export const VersionStatusSchema = z
  .object({
    version: versionId('The version: the import digest (sha256:…), else uid:<uid>, a tag or a version listed by hand.'),
    label: z
      .string()
      .max(63)
      .describe('The version as a label value: the base.vapp.dev/<image> label of the appliances on it.'),
    displayVersion: z
      .string()
      .max(128)
      .describe('A name for people: listed by hand, learned from the guest, else the label.'),
    guestOS: z
      .string()
      .max(256)
      .optional()
      .describe('What the guest reports in spec.guestOS.field on this version (listed by hand or learned).'),
    source: VersionSourceSchema.optional(),
    state: z.enum(VERSION_STATES).describe(`The version's state: ${VERSION_STATES.join(', ')}.`),
    firstSeen: timestamp('When the operator first saw this version.'),
    supersededAt: timestamp('When a newer version became the latest.').optional(),
    unusedSince: timestamp('Since when nothing uses this version.').optional(),
    usage: VersionUsageSchema.prefault({}),
    holders: z
      .array(z.string().max(512).describe('Who uses the version, e.g. "appliance apps/shop (db, web)".'))
      .max(MAX_HOLDERS)
      .default([])
      .describe(`The first ${String(MAX_HOLDERS)} users of the version.`),
    releaseBlockedBy: z.string().max(2048).optional().describe('Why the version is not released (yet).'),
    deletionRequested: z
      .boolean()
      .optional()
      .describe(
        'Its object is being deleted (e.g. by CDI garbage collection) while the finalizer keeps it: the deletion completes once it is released.',
      ),
    releaseStartedAt: timestamp('When the operator decided to release the version.').optional(),
    releasedAt: timestamp('When its storage was gone.').optional(),
    reclaimableBytes: count('Bytes its release frees (the size of its object), while it is not the latest.').optional(),
  })
  .describe('One version of the base image.');
export type VersionStatus = z.infer<typeof VersionStatusSchema>;

export const LatestVersionSchema = z
  .object({
    version: versionId('The latest version.'),
    label: z.string().max(63).describe('Its label value.'),
    displayVersion: z.string().max(128).describe('Its name for people.'),
    since: timestamp('When it became the latest.'),
  })
  .describe('The version new disks and rebases should use.');
export type LatestVersion = z.infer<typeof LatestVersionSchema>;

export const PendingVersionSchema = z
  .object({
    version: versionId('The new version.'),
    source: VersionSourceSchema.optional(),
    readySince: timestamp('Since when its source has been Ready.'),
  })
  .describe('A new version that becomes the latest once it has been Ready for settleSeconds.');

export const BaseImageStatusSchema = z
  .object({
    observedGeneration: count('The .metadata.generation that this status describes.').optional(),
    latest: LatestVersionSchema.optional(),
    pending: PendingVersionSchema.optional(),
    versions: z
      .array(VersionStatusSchema)
      .max(MAX_VERSIONS)
      .default([])
      .describe('Every version, newest first (the oldest released ones drop off).'),
    versionCount: count('Versions not released (for kubectl get).').optional(),
    inUse: count('Versions in use (for kubectl get).').optional(),
    releasable: count('Versions that nothing uses and that may be released (for kubectl get).').optional(),
    reclaimableBytes: count('Bytes the release of every version but the latest would free.').optional(),
    reclaimable: z.string().max(32).optional().describe('reclaimableBytes as a quantity, e.g. 5Gi (for kubectl get).'),
    usage: z
      .string()
      .max(1024)
      .optional()
      .describe('Who uses which version, in one line (for kubectl get): e.g. "40.2: 1 appliance; 40.1: 2 appliances".'),
    conditions: conditions(
      'Ready, Reconciling and Stalled (kstatus) plus UpToDate (the source has no newer version pending).',
    ).default([]),
  })
  .describe('The versions of the base image and who uses them, written by the operator.');
export type BaseImageStatus = z.infer<typeof BaseImageStatusSchema>;

export const BaseImageSchema = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal(BASE_IMAGE_KIND),
  metadata: ObjectMetaSchema,
  spec: BaseImageSpecSchema,
  status: BaseImageStatusSchema.optional(),
});
export type BaseImage = z.infer<typeof BaseImageSchema>;
export type BaseImageInput = z.input<typeof BaseImageSchema>;

// ---- The parts of the other kinds that name a base image ----

export const MemberBaseImageSchema = z
  .object({
    ref: BaseImageRefSchema,
    volume: dnsLabel(
      "The VM volume (spec.template.spec.volumes[].name) whose disk is made from the base image: the member's root disk.",
    ).default('root'),
    update: exactlyOne(
      z
        .object({
          replace: z
            .object({})
            .optional()
            .describe(
              "Give the clone a new root disk cloned from the target version's PVC or VolumeSnapshot. Everything the member keeps must be on its dataVolumes or come back from cloud-init. Set as {}.",
            ),
          job: z
            .object({
              template: JobTemplateSchema,
            })
            .optional()
            .describe(
              'Run a Job against the clone VM that upgrades it in place (its containers get VAPP_VM, VAPP_COMPONENT=base:<image>, VAPP_FROM and VAPP_TO); the guest must then report the target version.',
            ),
        })
        .describe('How a rebase gives the clone the new version. Exactly one of replace, job.'),
      ['replace', 'job'],
      'spec.members[].baseImage.update',
    ).prefault({ replace: {} }),
  })
  .describe("The member's root disk is made from a BaseImage; a MaintenancePlan's spec.baseImage rebases it.");
export type MemberBaseImage = z.infer<typeof MemberBaseImageSchema>;

export const MemberBaseImageStatusSchema = z
  .object({
    image: z.string().max(128).describe('The BaseImage, <namespace>/<name>.'),
    version: versionId('The version the root disk runs; absent when it is unknown.').optional(),
    label: z.string().max(63).optional().describe('The version as a label value.'),
    displayVersion: z.string().max(128).optional().describe('Its name for people.'),
    source: z
      .string()
      .max(512)
      .optional()
      .describe('Where the root disk came from, e.g. VolumeSnapshot golden/fedora-3a5b8c9d0e1f.'),
    determinedBy: z
      .enum(PROVENANCE_METHODS)
      .describe(
        `How the version was learned: ${PROVENANCE_METHODS.join(', ')} (Provenance: the operator made the disk; DataVolumeSource: the disk's DataVolume or PVC names an import; ContainerImage: the containerDisk image; Annotation: the VM's ${ANNOTATION_BASE_VERSION} annotation; GuestOS: the guest agent's report).`,
      ),
    guestOS: z
      .string()
      .max(256)
      .optional()
      .describe("What the guest agent reports in the BaseImage's spec.guestOS.field."),
    message: z.string().max(1024).optional().describe('Why the version is unknown, and how to state it.'),
  })
  .describe("The base image version of the member's root disk, and how it was learned.");
export type MemberBaseImageStatus = z.infer<typeof MemberBaseImageStatusSchema>;

const LATEST_RULE =
  'spec.baseImage.version must be a concrete version, not "latest": name one of the BaseImage\'s status.versions';

export const PlanBaseImageSchema = cel(
  z
    .object({
      ref: BaseImageRefSchema,
      version: versionId(
        'The version to rebase onto: always a concrete version of the BaseImage (status.versions[].version, or its label), never "latest".',
      ),
      members: setOf(z.array(dnsLabel('A member of the appliance.')).max(16), 'spec.baseImage.members')
        .optional()
        .describe('The members to rebase; every member whose spec.members[].baseImage names this image when omitted.'),
    })
    .refine((b) => b.version !== 'latest', { error: LATEST_RULE, path: ['version'] })
    .describe(
      "Rebase members onto a version of a BaseImage: the clone's root disk is replaced (or upgraded by a Job) and its data volumes are carried over.",
    ),
  { rule: "self.version != 'latest'", message: LATEST_RULE, fieldPath: '.version' },
);
export type PlanBaseImage = z.infer<typeof PlanBaseImageSchema>;
