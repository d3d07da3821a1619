// Applies YAML manifests (files, or folders with a kustomization.yaml listing its resources) by
// server-side apply, as `kubectl apply --server-side` would: for the sandbox, the demo and tests.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../runtime/object.ts';
import { parseAllDocuments } from 'yaml';
import { apply } from '../runtime/apply.ts';
import { RestClient } from '../runtime/rest.ts';

/** Reads every object of a YAML file, or of the resources a folder's kustomization.yaml lists. */
export async function readManifests(target: string): Promise<KubeObject[]> {
  if ((await stat(target)).isDirectory()) {
    const kustomization = (await readObjects(path.join(target, 'kustomization.yaml')))[0] as
      { resources?: string[] } | undefined;
    const objects: KubeObject[] = [];
    for (const resource of kustomization?.resources ?? [])
      objects.push(...(await readManifests(path.join(target, resource))));
    return objects;
  }
  return readObjects(target);
}

async function readObjects(file: string): Promise<KubeObject[]> {
  return parseAllDocuments(await readFile(file, 'utf8'))
    .map((doc) => doc.toJS() as KubeObject | null)
    .filter((obj): obj is KubeObject => obj !== null);
}

/** Applies the objects in order, into `namespace` where they name none and are namespaced. */
export async function applyManifests(
  kubeConfig: KubeConfig,
  objects: readonly KubeObject[],
  opts: { namespace?: string; fieldManager?: string } = {},
): Promise<void> {
  const client = new RestClient(kubeConfig);
  for (const obj of objects) {
    const namespaced = isNamespaced(obj);
    const target = structuredClone(obj);
    if (namespaced && !target.metadata?.namespace && opts.namespace)
      (target.metadata ??= {}).namespace = opts.namespace;
    await apply(client, target, { fieldManager: opts.fieldManager ?? 'kubectl', force: true });
  }
}

const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'Node',
  'PersistentVolume',
  'StorageClass',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
]);

function isNamespaced(obj: KubeObject): boolean {
  return !CLUSTER_SCOPED.has(obj.kind ?? '');
}
