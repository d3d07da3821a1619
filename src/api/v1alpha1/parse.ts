// Runtime validation of objects read from the API server: one error naming every invalid field.
import { z } from 'zod';
import {
  VirtualApplianceSchema,
  VirtualApplianceSpecSchema,
  type VirtualAppliance,
  type VirtualApplianceSpec,
} from './virtualappliance.ts';
import { BaseImageSchema, type BaseImage } from './baseimage.ts';
import {
  MaintenancePlanSchema,
  MaintenancePlanSpecSchema,
  type MaintenancePlan,
  type MaintenancePlanSpec,
} from './maintenanceplan.ts';
import { MaintenanceRolloutSchema, type MaintenanceRollout } from './maintenancerollout.ts';

/** A zod issue path written as Kubernetes writes field paths: spec.members[0].components[1].name. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out === '' ? '<root>' : out;
}

/** One invalid field. */
export interface FieldIssue {
  /** Kubernetes-style field path, e.g. spec.window.timeZone. */
  readonly path: string;
  readonly message: string;
}

/** Thrown by the parse helpers: the message lists every invalid field path, one per line. */
export class InvalidObjectError extends Error {
  readonly kind: string;
  readonly objectName: string | undefined;
  readonly issues: readonly FieldIssue[];
  constructor(kind: string, objectName: string | undefined, issues: readonly FieldIssue[]) {
    const what = objectName === undefined ? kind : `${kind} ${objectName}`;
    super(
      `invalid ${what}: ${issues.length} invalid field${issues.length === 1 ? '' : 's'}:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`,
    );
    this.name = 'InvalidObjectError';
    this.kind = kind;
    this.objectName = objectName;
    this.issues = issues;
  }
}

function issuesOf(error: z.ZodError, prefix: readonly PropertyKey[] = []): FieldIssue[] {
  const out: FieldIssue[] = [];
  const visit = (issues: readonly z.core.$ZodIssue[], base: readonly PropertyKey[]) => {
    for (const issue of issues) {
      const path = [...base, ...issue.path];
      if (issue.code === 'invalid_union' && issue.errors.length > 0) {
        // Report the alternatives in one line rather than one issue per branch.
        const branches = issue.errors.map((branch) => branch.map((b) => b.message).join('; '));
        out.push({ path: fieldPath(path), message: `${issue.message}: ${branches.join(' or ')}` });
        continue;
      }
      out.push({ path: fieldPath(path), message: issue.message });
    }
  };
  visit(error.issues, prefix);
  return out;
}

function nameOf(obj: unknown): string | undefined {
  if (typeof obj !== 'object' || obj === null) return undefined;
  const meta = (obj as { metadata?: unknown }).metadata;
  if (typeof meta !== 'object' || meta === null) return undefined;
  const name = (meta as { name?: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}

function parseWith<S extends z.ZodType>(
  schema: S,
  kind: string,
  obj: unknown,
  name: string | undefined,
  prefix: readonly PropertyKey[] = [],
): z.infer<S> {
  const result = schema.safeParse(obj);
  if (result.success) return result.data;
  throw new InvalidObjectError(kind, name, issuesOf(result.error, prefix));
}

/** The result of a safe parse: the object with defaults applied, or every invalid field. */
export type ParseResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: InvalidObjectError };

function safe<T>(parse: () => T): ParseResult<T> {
  try {
    return { ok: true, value: parse() };
  } catch (err) {
    if (err instanceof InvalidObjectError) return { ok: false, error: err };
    throw err;
  }
}

/** Validates a VirtualAppliance (e.g. from a watch) and applies defaults; throws {@link InvalidObjectError}. */
export function parseVirtualAppliance(obj: unknown): VirtualAppliance {
  return parseWith(VirtualApplianceSchema, 'VirtualAppliance', obj, nameOf(obj));
}
/** Like {@link parseVirtualAppliance}, returning the error instead of throwing it. */
export function safeParseVirtualAppliance(obj: unknown): ParseResult<VirtualAppliance> {
  return safe(() => parseVirtualAppliance(obj));
}
/** Validates a VirtualAppliance spec alone; paths in the error start at spec. */
export function parseVirtualApplianceSpec(spec: unknown): VirtualApplianceSpec {
  return parseWith(VirtualApplianceSpecSchema, 'VirtualAppliance spec', spec, undefined, ['spec']);
}

/** Like {@link parseVirtualApplianceSpec}, returning the error instead of throwing it. */
export function safeParseVirtualApplianceSpec(spec: unknown): ParseResult<VirtualApplianceSpec> {
  return safe(() => parseVirtualApplianceSpec(spec));
}

/** The issues of a failed parse as one line for a condition: `path: message; path: message`. */
export function issuesLine(error: InvalidObjectError): string {
  return error.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
}

/** Validates a MaintenancePlan (e.g. from a watch) and applies defaults; throws {@link InvalidObjectError}. */
export function parseMaintenancePlan(obj: unknown): MaintenancePlan {
  return parseWith(MaintenancePlanSchema, 'MaintenancePlan', obj, nameOf(obj));
}
/** Like {@link parseMaintenancePlan}, returning the error instead of throwing it. */
export function safeParseMaintenancePlan(obj: unknown): ParseResult<MaintenancePlan> {
  return safe(() => parseMaintenancePlan(obj));
}
/** Validates a MaintenancePlan spec alone; paths in the error start at spec. */
export function parseMaintenancePlanSpec(spec: unknown): MaintenancePlanSpec {
  return parseWith(MaintenancePlanSpecSchema, 'MaintenancePlan spec', spec, undefined, ['spec']);
}

/** Validates a BaseImage (e.g. from a watch) and applies defaults; throws {@link InvalidObjectError}. */
export function parseBaseImage(obj: unknown): BaseImage {
  return parseWith(BaseImageSchema, 'BaseImage', obj, nameOf(obj));
}
/** Like {@link parseBaseImage}, returning the error instead of throwing it. */
export function safeParseBaseImage(obj: unknown): ParseResult<BaseImage> {
  return safe(() => parseBaseImage(obj));
}

/** Validates a MaintenanceRollout (e.g. from a watch) and applies defaults; throws {@link InvalidObjectError}. */
export function parseMaintenanceRollout(obj: unknown): MaintenanceRollout {
  return parseWith(MaintenanceRolloutSchema, 'MaintenanceRollout', obj, nameOf(obj));
}
/** Like {@link parseMaintenanceRollout}, returning the error instead of throwing it. */
export function safeParseMaintenanceRollout(obj: unknown): ParseResult<MaintenanceRollout> {
  return safe(() => parseMaintenanceRollout(obj));
}
