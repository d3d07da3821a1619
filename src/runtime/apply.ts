// Server-side apply with the operator's field manager, for objects and for the status
// subresource, for any kind (built-in or custom) resolved through discovery.
import { resourcePath, ResourceResolver } from './resources.ts';
import type { RestClient } from './rest.ts';
import type { KubeObject } from './object.ts';

/** The field manager owning every field the operator writes. */
export const FIELD_MANAGER = 'vapp-operator';

/** application/apply-patch+yaml (JSON is valid YAML). */
const APPLY_PATCH = 'application/apply-patch+yaml';

/** Options for {@link apply} and {@link applyStatus}. */
export interface ApplyOptions {
  /** Default `vapp-operator`. */
  readonly fieldManager?: string;
  /** Take ownership of conflicting fields (default true: the operator is the authority for what it applies). */
  readonly force?: boolean;
  readonly dryRun?: boolean;
}

const resolvers = new WeakMap<RestClient, ResourceResolver>();

function resolverFor(client: RestClient): ResourceResolver {
  let r = resolvers.get(client);
  if (!r) resolvers.set(client, (r = new ResourceResolver(client)));
  return r;
}

async function applyTo<T extends KubeObject>(
  client: RestClient,
  obj: T,
  subresource: string | undefined,
  opts: ApplyOptions,
): Promise<T> {
  const name = obj.metadata?.name;
  if (!name) throw new Error('apply needs metadata.name');
  const ref = await resolverFor(client).forObject(obj);
  return client.request<T>(resourcePath(ref, obj.metadata?.namespace, name, subresource), {
    method: 'PATCH',
    contentType: APPLY_PATCH,
    body: obj,
    query: {
      fieldManager: opts.fieldManager ?? FIELD_MANAGER,
      force: opts.force ?? true,
      ...(opts.dryRun ? { dryRun: 'All' } : {}),
    },
  });
}

/**
 * Applies the fields set in `obj` (apiVersion, kind, metadata.name[, namespace] required): the
 * field manager then owns exactly these fields; fields it applied before and omits now are removed.
 */
export function apply<T extends KubeObject>(client: RestClient, obj: T, opts: ApplyOptions = {}): Promise<T> {
  return applyTo(client, obj, undefined, opts);
}

/** Applies `obj.status` through the status subresource (spec and metadata changes are ignored there). */
export function applyStatus<T extends KubeObject & { status?: unknown }>(
  client: RestClient,
  obj: T,
  opts: ApplyOptions = {},
): Promise<T> {
  return applyTo(client, obj, 'status', opts);
}
