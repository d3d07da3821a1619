// Shared pieces of the vapp.dev/v1alpha1 API: group/version, well-known labels and annotations,
// Kubernetes name formats and the metav1.Condition shape.
import { z } from 'zod';

/** The API group of both custom resources. */
export const GROUP = 'vapp.dev';
/** The served and stored version. */
export const VERSION = 'v1alpha1';
/** `apiVersion` of objects of this version. */
export const API_VERSION = `${GROUP}/${VERSION}`;

/** Label set on the VM template of each member VM (and so on its VMI and Pod): the appliance's name. */
export const LABEL_APPLIANCE = 'vapp.dev/appliance';
/** Label set on the VM template of each member VM: the member's name in the appliance. */
export const LABEL_MEMBER = 'vapp.dev/member';
/** Label set on the VM template of each member VM, and the one Service selector key the operator owns. */
export const LABEL_SLOT = 'vapp.dev/slot';
/** VM annotation holding a JSON map component name -> level, read by the `annotation` level source. */
export const ANNOTATION_LEVELS = 'vapp.dev/levels';

/** The two slots an appliance alternates between. */
export const SLOTS = ['blue', 'green'] as const;
export const SlotSchema = z
  .enum(SLOTS)
  .describe('One of the two slots an appliance alternates between: blue or green.');
export type Slot = z.infer<typeof SlotSchema>;

// RE2-compatible patterns (the API server evaluates `pattern` with Go's regexp).
/** DNS-1123 label: a Service, volume, member or component name. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** DNS-1123 subdomain: an object name such as a VirtualMachine's. */
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A semantic version 2.0.0 (the regular expression suggested by semver.org, without named groups). */
export const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][a-zA-Z0-9-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][a-zA-Z0-9-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** A DNS-1123 label (at most 63 characters). */
export function dnsLabel(description: string) {
  return z
    .string()
    .min(1)
    .max(63)
    .regex(DNS_LABEL, {
      error: 'must be a DNS-1123 label: lower-case letters, digits and -, starting and ending with a letter or digit',
    })
    .describe(description);
}

/** A DNS-1123 subdomain (at most 253 characters), the format of most object names. */
export function objectName(description: string) {
  return z
    .string()
    .min(1)
    .max(253)
    .regex(DNS_SUBDOMAIN, {
      error:
        'must be a DNS-1123 subdomain: lower-case letters, digits, - and ., starting and ending with a letter or digit',
    })
    .describe(description);
}

/** A Go duration such as 24h, 90m or 1h30m (no sign). */
export const DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))+$/;

/** A Go duration such as 24h or 90m. */
export function duration(description: string) {
  return z
    .string()
    .max(32)
    .regex(DURATION, { error: 'must be a duration such as 24h, 90m or 1h30m' })
    .describe(description);
}

/** Guest OS fields (VMI status.guestOSInfo) that a level or a base image version can be read from. */
export const GUEST_OS_FIELDS = ['versionId', 'kernelRelease'] as const;

/** A semver level such as 16.4.0. */
export function semverLevel(description: string) {
  return z
    .string()
    .min(1)
    .max(128)
    .regex(SEMVER, { error: 'must be a semantic version such as 1.2.3 (see semver.org)' })
    .describe(description);
}

/** An RFC 3339 timestamp as the API server writes metav1.Time, e.g. 2026-11-22T02:00:00Z. */
export function timestamp(description: string) {
  return z.iso.datetime({ offset: true }).describe(description);
}

/** A non-negative integer (int64 in the API). */
export function count(description: string) {
  return z.int().min(0).describe(description);
}

// metav1.Condition, as generated upstream for k8s.io/apimachinery/pkg/apis/meta/v1.Condition.
const CONDITION_TYPE =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/;
const CONDITION_REASON = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;

export const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;

export const ConditionSchema = z
  .object({
    type: z
      .string()
      .min(1)
      .max(316)
      .regex(CONDITION_TYPE)
      .describe('Type of the condition in CamelCase, e.g. Ready, Reconciling, Stalled.'),
    status: z.enum(CONDITION_STATUSES).describe('Status of the condition: True, False or Unknown.'),
    observedGeneration: count('The .metadata.generation that the condition was set from.').optional(),
    lastTransitionTime: timestamp('Last time the condition changed from one status to another.'),
    reason: z
      .string()
      .min(1)
      .max(1024)
      .regex(CONDITION_REASON)
      .describe('Programmatic identifier in CamelCase of the reason for the last transition.'),
    message: z.string().max(32768).describe('Human-readable message with details about the transition; may be empty.'),
  })
  .describe('A condition in the metav1.Condition shape, as kstatus, kubectl wait and Argo CD read it.');
export type Condition = z.infer<typeof ConditionSchema>;

/** The conditions list of a status: a map keyed by type (one condition per type). */
export function conditions(description: string) {
  return z
    .array(ConditionSchema)
    .max(32)
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((c, i) => {
        if (seen.has(c.type))
          ctx.addIssue({ code: 'custom', path: [i, 'type'], message: `duplicate condition type ${c.type}` });
        seen.add(c.type);
      });
    })
    .meta({ description, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] });
}

/** The parts of metav1.ObjectMeta that the operator reads. The API server owns the rest. */
export const ObjectMetaSchema = z.looseObject({
  name: z.string().optional(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  generation: z.int().optional(),
  resourceVersion: z.string().optional(),
  creationTimestamp: z.string().optional(),
  deletionTimestamp: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  finalizers: z.array(z.string()).optional(),
  ownerReferences: z
    .array(z.looseObject({ apiVersion: z.string(), kind: z.string(), name: z.string(), uid: z.string() }))
    .optional(),
});
export type ObjectMeta = z.infer<typeof ObjectMetaSchema>;
