// The samples of config/samples as plain objects, for tests that start from a valid manifest and
// break one thing in it. Each call returns fresh copies.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

const SAMPLES = path.join(import.meta.dirname, '../../../config/samples');

/** A Kubernetes object as read from YAML. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Every object of config/samples, in the order of its kustomization.yaml. */
export function loadSamples(): Manifest[] {
  const kustomization = parse(readFileSync(path.join(SAMPLES, 'kustomization.yaml'), 'utf8')) as {
    resources: string[];
  };
  return kustomization.resources.flatMap((file) =>
    parseAllDocuments(readFileSync(path.join(SAMPLES, file), 'utf8')).map((d) => d.toJS() as Manifest),
  );
}

function one(kind: string): Manifest {
  const found = loadSamples().find((o) => o.kind === kind);
  if (!found) throw new Error(`no ${kind} in config/samples`);
  return found;
}

/** The shop VirtualAppliance sample. */
export function sampleAppliance(): Manifest {
  return one('VirtualAppliance');
}

/** The MaintenanceRollout sample (config/samples/fleet). */
export function sampleRollout(): Manifest {
  const file = path.join(SAMPLES, 'fleet', 'maintenancerollout-shops.yaml');
  return parse(readFileSync(file, 'utf8')) as Manifest;
}

/** The BaseImage sample (config/samples/golden-image). */
export function sampleBaseImage(): Manifest {
  const file = path.join(SAMPLES, 'golden-image', 'baseimage-fedora.yaml');
  return parse(readFileSync(file, 'utf8')) as Manifest;
}

/** The shop MaintenancePlan sample. */
export function samplePlan(): Manifest {
  return one('MaintenancePlan');
}

function steps(path: string): (string | number)[] {
  return path.split(/\.|(?=\[)/).map((s) => (s.startsWith('[') ? Number(s.slice(1, -1)) : s));
}

function parentOf(obj: object, path: string): [Record<string | number, unknown>, string | number] {
  const keys = steps(path);
  let node: unknown = obj;
  for (const k of keys.slice(0, -1)) {
    node = (node as Record<string | number, unknown>)[k];
    if (typeof node !== 'object' || node === null) throw new Error(`${path}: ${String(k)} is not an object`);
  }
  return [node as Record<string | number, unknown>, keys[keys.length - 1]!];
}

/** The value at a field path such as spec.members[0].name. */
export function get(obj: object, path: string): unknown {
  const [parent, key] = parentOf(obj, path);
  return parent[key];
}

/** Sets the value at a field path (a copy of it: values taken from the same object stay separate). */
export function set(obj: object, path: string, value: unknown): void {
  const [parent, key] = parentOf(obj, path);
  parent[key] = structuredClone(value);
}

/** Removes the field at a path. */
export function del(obj: object, path: string): void {
  const [parent, key] = parentOf(obj, path);
  // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- removing a field named by the test
  delete parent[key];
}
