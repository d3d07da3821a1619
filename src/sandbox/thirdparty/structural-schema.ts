// Turns a Swagger 2.0 definition (with $refs) into a self-contained *structural* OpenAPI v3 schema
// that a CustomResourceDefinition accepts. Used to serve third-party kinds (KubeVirt, CDI) in the
// sandbox with their real upstream schemas, so the API server validates our manifests against them.

/** A JSON schema node as found in Swagger 2.0 / OpenAPI v3 documents. */
export type SchemaNode = Record<string, unknown>;

/** Swagger definitions keyed by name (`#/definitions/<name>`). */
export type Definitions = Readonly<Record<string, SchemaNode>>;

/** Keywords a structural schema may carry; anything else in the upstream spec is dropped. */
const KEPT_KEYWORDS = new Set([
  'type',
  'format',
  'enum',
  'required',
  'items',
  'properties',
  'additionalProperties',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'uniqueItems',
  'pattern',
  'nullable',
]);

const REF_PREFIX = '#/definitions/';
// The only shape a structural schema accepts for int-or-string.
const INT_OR_STRING = { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] } as const;
const ANYTHING = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } as const;

/**
 * Inlines every $ref reachable from `name` and rewrites the result into a structural schema:
 * every node typed, int-or-string and quantities marked, free-form objects preserved, recursion
 * cut (a recursive reference becomes a free-form object), descriptions and defaults dropped (the
 * KubeVirt webhooks own defaulting; descriptions would make the CRDs too large for etcd).
 */
export function structuralSchema(definitions: Definitions, name: string): SchemaNode {
  return convert(definitions, { $ref: REF_PREFIX + name }, []);
}

function convert(definitions: Definitions, node: SchemaNode, refStack: readonly string[]): SchemaNode {
  const ref = node.$ref;
  if (typeof ref === 'string') {
    const name = ref.startsWith(REF_PREFIX) ? ref.slice(REF_PREFIX.length) : ref;
    if (refStack.includes(name)) return { ...ANYTHING };
    const target = definitions[name];
    if (target === undefined) throw new Error(`schema reference ${ref} not found in the spec`);
    return convert(definitions, target, [...refStack, name]);
  }

  if (node.format === 'int-or-string') return { ...INT_OR_STRING };
  if (Array.isArray(node.type)) {
    const types = (node.type as unknown[]).filter((t) => t !== 'null');
    // ["string","null"]: a nullable string. Quantity is ["string","integer","number"]: int-or-string.
    if (types.length === 1) return convert(definitions, { ...node, type: types[0], nullable: true }, refStack);
    return { ...INT_OR_STRING };
  }

  const out: SchemaNode = {};
  for (const [key, value] of Object.entries(node)) {
    if (!KEPT_KEYWORDS.has(key)) continue;
    if (key === 'properties') {
      const props: Record<string, SchemaNode> = {};
      for (const [prop, schema] of Object.entries(value as Record<string, SchemaNode>)) {
        props[prop] = convert(definitions, schema, refStack);
      }
      out.properties = props;
    } else if (key === 'items') {
      out.items = convert(definitions, value as SchemaNode, refStack);
    } else if (key === 'additionalProperties') {
      if (typeof value === 'object' && value !== null) {
        out.additionalProperties = convert(definitions, value as SchemaNode, refStack);
      } else if (value === true) {
        out['x-kubernetes-preserve-unknown-fields'] = true;
      }
    } else {
      out[key] = value;
    }
  }

  if (out.type === undefined) {
    if (out.properties !== undefined || out.additionalProperties !== undefined) out.type = 'object';
    else if (out.items !== undefined) out.type = 'array';
    else return { ...ANYTHING };
  }
  if (out.type === 'object' && out.properties === undefined && out.additionalProperties === undefined) {
    out['x-kubernetes-preserve-unknown-fields'] = true;
  }
  // `properties` and `additionalProperties` are mutually exclusive in a structural schema.
  if (out.properties !== undefined && out.additionalProperties !== undefined) delete out.additionalProperties;
  return out;
}
