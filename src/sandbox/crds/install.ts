// Installs CustomResourceDefinitions by server-side apply and waits until the API server serves them.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiextensionsV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { thirdPartyCrds } from '../thirdparty/crds.ts';

const FIELD_MANAGER = 'vapp-sandbox';
const ESTABLISHED_TIMEOUT_MS = 60_000;

/** The repository's generated CRDs (crds/*.yaml). */
export async function projectCrds(dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../crds')): Promise<V1CustomResourceDefinition[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
  const crds: V1CustomResourceDefinition[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(path.join(dir, file), 'utf8'))) {
      const obj = doc.toJS() as V1CustomResourceDefinition | null;
      if (obj?.kind === 'CustomResourceDefinition') crds.push(obj);
    }
  }
  return crds;
}

/** Applies the CRDs and waits for each to be Established (served). */
export async function installCrds(kubeConfig: KubeConfig, crds: readonly V1CustomResourceDefinition[]): Promise<void> {
  // Sent as plain JSON through CustomObjectsApi: the typed CRD model would drop the
  // `x-kubernetes-*` keys, which it only knows under camel-cased names.
  const objects = kubeConfig.makeApiClient(CustomObjectsApi);
  const apply = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
  for (const crd of crds) {
    await objects.patchClusterCustomObject({
      group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions',
      name: crd.metadata?.name ?? '', body: crd, fieldManager: FIELD_MANAGER, force: true,
    }, apply);
  }
  const api = kubeConfig.makeApiClient(ApiextensionsV1Api);
  const deadline = Date.now() + ESTABLISHED_TIMEOUT_MS;
  for (const crd of crds) {
    const name = crd.metadata?.name ?? '';
    for (;;) {
      const live = await api.readCustomResourceDefinition({ name });
      if (live.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} was not established within ${ESTABLISHED_TIMEOUT_MS} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Our CRDs plus the KubeVirt, CDI and CSI snapshot CRDs. */
export async function sandboxCrds(): Promise<V1CustomResourceDefinition[]> {
  return [...(await thirdPartyCrds()), ...(await projectCrds())];
}
