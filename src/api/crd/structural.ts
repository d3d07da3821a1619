// Turns the JSON Schema that zod emits (target openapi-3.0) into a *structural* schema as
// apiextensions.k8s.io/v1 requires: every node typed, no $schema/$ref, no additionalProperties next
// to properties (nor false), no anyOf/oneOf at the top of a field except int-or-string,
// x-kubernetes-* extensions kept. Anything it cannot map is an error, never silently dropped.

/** An apiextensions.k8s.io/v1 JSONSchemaProps, as plain JSON. */
export type JSONSchemaProps = { [key: string]: unknown };

/** Keys of JSONSchemaProps that the generator emits, in the order they are written. */
const KEY_ORDER = [
  'description',
  'type',
  'format',
  'nullable',
  'enum',
  'default',
  'minimum',
  'exclusiveMinimum',
  'maximum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'x-kubernetes-int-or-string',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'anyOf',
  'items',
  'additionalProperties',
  'properties',
  'required',
  'x-kubernetes-validations',
] as const;
const ALLOWED = new Set<string>(KEY_ORDER);
/** Keys that zod may emit and that have no meaning in a CRD. */
const DROPPED = new Set(['$schema', '$id', 'id', 'title', 'examples', 'readOnly', 'writeOnly']);

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Thrown when a schema cannot become structural; names the offending node. */
export class StructuralSchemaError extends Error {
  constructor(path: string, problem: string) {
    super(`${path || '<root>'}: ${problem}`);
    this.name = 'StructuralSchemaError';
  }
}

function isObject(value: unknown): value is JSONSchemaProps {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** anyOf [integer, string] (a zod union of an int and a string) -> x-kubernetes-int-or-string. */
function intOrString(node: JSONSchemaProps, path: string): JSONSchemaProps {
  const branches = node.anyOf;
  if (!Array.isArray(branches) || branches.length !== 2)
    throw new StructuralSchemaError(
      path,
      'anyOf/oneOf is not structural (only a union of an integer and a string is supported)',
    );
  const int = branches.find((b) => isObject(b) && b.type === 'integer') as JSONSchemaProps | undefined;
  const str = branches.find((b) => isObject(b) && b.type === 'string') as JSONSchemaProps | undefined;
  if (!int || !str)
    throw new StructuralSchemaError(
      path,
      'anyOf/oneOf is not structural (only a union of an integer and a string is supported)',
    );
  const out: JSONSchemaProps = { ...node };
  delete out.anyOf;
  // Value validations of the branches move to the field itself: the API server applies numeric
  // ones to numbers only and string ones to strings only.
  for (const [k, v] of Object.entries(int))
    if (k !== 'type' && !(k === 'maximum' && v === MAX_SAFE) && !(k === 'minimum' && v === -MAX_SAFE)) out[k] = v;
  for (const [k, v] of Object.entries(str)) if (k !== 'type') out[k] = v;
  out['x-kubernetes-int-or-string'] = true;
  out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  return out;
}

function order(node: JSONSchemaProps): JSONSchemaProps {
  const out: JSONSchemaProps = {};
  for (const k of KEY_ORDER) if (k in node) out[k] = node[k];
  return out;
}

/** Converts one zod-emitted schema node (and its children) into a structural JSONSchemaProps. */
export function toStructural(input: JSONSchemaProps, path = ''): JSONSchemaProps {
  let node: JSONSchemaProps = Object.fromEntries(Object.entries(input).filter(([k]) => !DROPPED.has(k)));
  if ('$ref' in node || '$defs' in node || 'definitions' in node)
    throw new StructuralSchemaError(
      path,
      'references ($ref/$defs) are not allowed in a CRD schema: do not register schemas with an id, and avoid recursive schemas',
    );
  if ('oneOf' in node || 'allOf' in node || 'not' in node)
    throw new StructuralSchemaError(path, 'oneOf/allOf/not are not supported by this generator');
  if ('const' in node) {
    node.enum = [node.const];
    delete node.const;
  }
  if ('anyOf' in node) node = intOrString(node, path);

  if (node.type === 'integer' || node.type === 'number') {
    if (node.maximum === MAX_SAFE) delete node.maximum;
    if (node.minimum === -MAX_SAFE) delete node.minimum;
  }
  if (node.format === 'date-time') delete node.pattern; // zod's RFC 3339 regex; the format says it.

  if ('additionalProperties' in node) {
    const ap = node.additionalProperties;
    delete node.additionalProperties;
    if (ap === false) {
      // zod strict objects: CRDs prune unknown fields instead, and refuse additionalProperties: false.
    } else if (ap === true || (isObject(ap) && Object.keys(ap).length === 0)) {
      node['x-kubernetes-preserve-unknown-fields'] = true;
    } else if (isObject(ap)) {
      if (isObject(node.properties) && Object.keys(node.properties).length > 0) {
        throw new StructuralSchemaError(
          path,
          'additionalProperties cannot be combined with properties in a structural schema',
        );
      }
      delete node.properties;
      node.additionalProperties = toStructural(ap, `${path}.additionalProperties`);
    }
  }
  if (isObject(node.properties)) {
    const props: JSONSchemaProps = {};
    for (const [name, child] of Object.entries(node.properties)) {
      if (!isObject(child)) throw new StructuralSchemaError(`${path}.${name}`, 'not a schema');
      props[name] = toStructural(child, path === '' ? name : `${path}.${name}`);
    }
    if (Object.keys(props).length > 0) node.properties = props;
    else delete node.properties;
  }
  if (Array.isArray(node.required) && node.required.length === 0) delete node.required;
  if ('items' in node) {
    if (!isObject(node.items)) throw new StructuralSchemaError(path, 'items must be a single schema');
    node.items = toStructural(node.items, `${path}[]`);
  }

  if (
    typeof node.type !== 'string' &&
    node['x-kubernetes-int-or-string'] !== true &&
    node['x-kubernetes-preserve-unknown-fields'] !== true
  ) {
    throw new StructuralSchemaError(
      path,
      'every node of a structural schema needs a type (z.unknown()/z.any() have none)',
    );
  }
  for (const k of Object.keys(node)) {
    if (!ALLOWED.has(k)) throw new StructuralSchemaError(path, `unsupported schema keyword ${k}`);
  }
  return order(node);
}

/** Walks a structural schema, calling `visit` with each node and its field path (spec.members[].name). */
export function walkSchema(
  node: JSONSchemaProps,
  visit: (node: JSONSchemaProps, path: string) => void,
  path = '',
): void {
  visit(node, path);
  if (isObject(node.properties)) {
    for (const [name, child] of Object.entries(node.properties))
      if (isObject(child)) walkSchema(child, visit, path === '' ? name : `${path}.${name}`);
  }
  if (isObject(node.items)) walkSchema(node.items, visit, `${path}[]`);
  if (isObject(node.additionalProperties)) walkSchema(node.additionalProperties, visit, `${path}{}`);
}
