// Validation rules that the OpenAPI schema alone cannot express. Each helper adds the same rule twice:
// as a zod check (runtime validation in the operator) and as a CEL rule in `x-kubernetes-validations`
// (validation by the API server), with one message for both.
import { z } from 'zod';

/** One entry of `x-kubernetes-validations` (apiextensions.k8s.io/v1 ValidationRule). */
export interface CelRule {
  readonly rule: string;
  readonly message?: string;
  readonly messageExpression?: string;
  /** JSON path relative to the node carrying the rule, e.g. `.appliance`; it must name a field in the schema. */
  readonly fieldPath?: string;
  readonly reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
  readonly optionalOldSelf?: boolean;
}

const KEY = 'x-kubernetes-validations';

/** Appends CEL rules to a schema's metadata (keeping rules added before). */
export function cel<T extends z.ZodType>(schema: T, ...rules: CelRule[]): T {
  const previous = (z.globalRegistry.get(schema)?.[KEY] ?? []) as CelRule[];
  return schema.meta({ [KEY]: [...previous, ...rules] });
}

/** The CEL rules attached to a schema (for tests and docs). */
export function celRules(schema: z.ZodType): readonly CelRule[] {
  return (z.globalRegistry.get(schema)?.[KEY] ?? []) as CelRule[];
}

/**
 * Items of a list must differ in `key`. `what` names the field for the message, e.g.
 * `spec.members[].name`.
 */
export function uniqueBy<T extends z.ZodArray<z.ZodObject>>(list: T, key: string, what: string): T {
  const message = `${what} must be unique`;
  const checked = list.superRefine((items, ctx) => {
    const seen = new Set<unknown>();
    items.forEach((item, i) => {
      const value = item[key];
      if (value === undefined) return;
      if (seen.has(value))
        ctx.addIssue({
          code: 'custom',
          path: [i, key],
          message: `${message}: ${JSON.stringify(value)} appears more than once`,
        });
      seen.add(value);
    });
  });
  return cel(checked, {
    rule: `self.all(x, self.exists_one(y, y.${key} == x.${key}))`,
    message,
  });
}

/**
 * A list of distinct scalars (`x-kubernetes-list-type: set`): the API server refuses duplicates
 * itself ("Duplicate value"), zod with this check.
 */
export function setOf<T extends z.ZodArray>(list: T, what: string): T {
  return list
    .superRefine((items, ctx) => {
      const seen = new Set<unknown>();
      items.forEach((item, i) => {
        if (seen.has(item))
          ctx.addIssue({ code: 'custom', path: [i], message: `${what} must not repeat ${JSON.stringify(item)}` });
        seen.add(item);
      });
    })
    .meta({ 'x-kubernetes-list-type': 'set' });
}

function countSet(keys: readonly string[]): string {
  return keys.map((k) => `(has(self.${k}) ? 1 : 0)`).join(' + ');
}

/** Exactly one of `keys` must be set on the object. `what` names the object, e.g. `spec.members[].components[].level`. */
export function exactlyOne<T extends z.ZodObject>(object: T, keys: readonly string[], what: string): T {
  const message = `${what} must set exactly one of: ${keys.join(', ')}`;
  const checked = object.superRefine((value, ctx) => {
    const set = keys.filter((k) => (value as Record<string, unknown>)[k] !== undefined);
    if (set.length !== 1)
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: set.length === 0 ? `${message} (none is set)` : `${message} (${set.join(' and ')} are set)`,
      });
  });
  return cel(checked, { rule: `${countSet(keys)} == 1`, message });
}

/** At most one of `keys` may be set on the object. */
export function atMostOne<T extends z.ZodObject>(object: T, keys: readonly string[], what: string): T {
  const message = `${what} may set at most one of: ${keys.join(', ')}`;
  const checked = object.superRefine((value, ctx) => {
    const set = keys.filter((k) => (value as Record<string, unknown>)[k] !== undefined);
    if (set.length > 1)
      ctx.addIssue({ code: 'custom', path: [], message: `${message} (${set.join(' and ')} are set)` });
  });
  return cel(checked, { rule: `${countSet(keys)} <= 1`, message });
}

/**
 * Transition rules on an object: each listed field keeps the value it had when the object was
 * created. A transition rule on an optional field itself would not run when the field is added or
 * removed, so the rules sit on the parent and compare presence as well as value.
 */
export function immutableFields<T extends z.ZodObject>(
  object: T,
  fields: readonly string[],
  parentPath: string,
  hint: string,
): T {
  const shape = object.shape as Record<string, z.ZodType>;
  return cel(
    object,
    ...fields.map((f): CelRule => {
      const field = shape[f];
      if (!field) throw new Error(`immutableFields: ${f} is not a field of ${parentPath}`);
      // Required fields and fields with a default are always present after defaulting.
      const absent = field.safeParse(undefined);
      const alwaysPresent = !absent.success || absent.data !== undefined;
      return {
        rule: alwaysPresent
          ? `self.${f} == oldSelf.${f}`
          : `has(self.${f}) == has(oldSelf.${f}) && (!has(self.${f}) || self.${f} == oldSelf.${f})`,
        message: `${parentPath}.${f} is immutable: ${hint}`,
        fieldPath: `.${f}`,
        reason: 'FieldValueForbidden',
      };
    }),
  );
}
