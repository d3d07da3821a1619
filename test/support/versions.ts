// Every version of the objects of one kind, as the API server served them (each watch event kept),
// and the Argo CD fixtures written from them: VAPP_RECORD_FIXTURES=1 makes an e2e test write one
// captured object per shape (what its health and actions depend on: phase, suspended, cleanup under
// way...) to test/fixtures/argocd/<group>/<Kind>/, for the unit tests of the Lua scripts (and
// VAPP_RECORD_FIXTURES=MaintenanceRollout,BaseImage only those kinds: the others keep theirs).
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { Informer } from '../../src/runtime/informer.ts';
import type { KubeObject } from '../../src/runtime/object.ts';
import type { ResourceRef } from '../../src/runtime/resources.ts';
import type { RestClient } from '../../src/runtime/rest.ts';

const RECORD = process.env.VAPP_RECORD_FIXTURES ?? '';
/** VAPP_RECORD_FIXTURES=1 records every kind; a comma list of kinds (MaintenanceRollout,BaseImage) only those. */
export const RECORD_FIXTURES = RECORD !== '' && RECORD !== '0';
const recorded = (kind: string) => RECORD === '1' || RECORD.split(',').includes(kind);
const FIXTURES = path.join(import.meta.dirname, '../fixtures/argocd');

export class Versions<T extends KubeObject> {
  readonly all: T[] = [];
  readonly informer: Informer<T>;
  readonly #namespaces: readonly string[];
  constructor(client: RestClient, resource: ResourceRef, namespaces: readonly string[]) {
    this.#namespaces = namespaces;
    this.informer = new Informer<T>({ client, resource, namespaces: [...namespaces] });
    const keep = (o: T) => this.all.push(structuredClone(o));
    this.informer.addEventHandler({ onAdd: keep, onUpdate: (_, o) => keep(o) });
  }
  /** The live object `name` (in the first namespace unless `namespace` says). */
  live(name: string, namespace = this.#namespaces[0] ?? ''): T | undefined {
    return this.informer.store.get(`${namespace}/${name}`);
  }
  of(name: string): T[] {
    return this.all.filter((o) => o.metadata?.name === name);
  }
}

export interface FixtureSet {
  readonly group: string;
  readonly kind: string;
  readonly versions: readonly KubeObject[];
  /** The fixture name of a version, undefined for a version not worth keeping. */
  readonly shape: (o: never) => string | undefined;
}

/** Replaces the captured fixtures of each kind (expected.yaml stays) with the first version of each shape. */
export async function recordFixtures(sets: readonly FixtureSet[]): Promise<void> {
  for (const { group, kind, versions, shape } of sets) {
    if (!recorded(kind)) continue;
    const dir = path.join(FIXTURES, group, kind);
    await mkdir(dir, { recursive: true });
    for (const f of await readdir(dir)) if (f !== 'expected.yaml') await rm(path.join(dir, f));
    const byShape = new Map<string, KubeObject>();
    for (const v of versions) {
      const s = shape(v as never);
      if (s !== undefined && !byShape.has(s)) byShape.set(s, v);
    }
    for (const [s, obj] of byShape) {
      const clean = structuredClone(obj) as KubeObject & { metadata?: { managedFields?: unknown } };
      delete clean.metadata?.managedFields;
      await writeFile(path.join(dir, `${s}.yaml`), stringify(clean, { lineWidth: 0 }));
    }
  }
}
