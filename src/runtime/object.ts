// The shape the runtime needs of any Kubernetes object, as it travels on the wire (JSON).
// client-node's KubeObject types timestamps as Date, which raw JSON never holds; our own
// kinds (zod) and KubeVirt's (generated from its spec) have strings there. This type accepts all.

export interface OwnerReferenceLike {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
  readonly controller?: boolean | undefined;
  readonly blockOwnerDeletion?: boolean | undefined;
}

export interface ObjectMetaLike {
  name?: string | undefined;
  namespace?: string | undefined;
  uid?: string | undefined;
  resourceVersion?: string | undefined;
  generation?: number | undefined;
  labels?: { [key: string]: string } | undefined;
  annotations?: { [key: string]: string } | undefined;
  ownerReferences?: readonly OwnerReferenceLike[] | undefined;
  finalizers?: readonly string[] | undefined;
  creationTimestamp?: unknown;
  deletionTimestamp?: unknown;
}

/** Any Kubernetes object as JSON. */
export interface KubeObject {
  apiVersion?: string | undefined;
  kind?: string | undefined;
  metadata?: ObjectMetaLike | undefined;
}
