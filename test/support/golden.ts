// A golden image on the sandbox (config/samples/golden-image: a DataImportCron and the BaseImage
// that follows it) and appliances whose members' root disks are DataVolumes cloned from one of its
// imports; what a user does with kubectl to publish a version and to read who uses which.
import path from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { BaseImage, VirtualAppliance } from '../../src/api/v1alpha1/index.ts';
import { KUBEVIRT } from '../../src/kubevirt/types.ts';
import type { KubeObject } from '../../src/runtime/object.ts';
import { isNotFound } from '../../src/runtime/errors.ts';
import { resourcePath, type ResourceRef } from '../../src/runtime/resources.ts';
import { RestClient } from '../../src/runtime/rest.ts';
import { applyManifests, readManifests } from '../../src/sandbox/manifests.ts';
import { SAMPLES_DIR } from '../../src/sandbox/samples.ts';
import { STORAGE_ANNOTATIONS } from '../../src/sandbox/simulator/storage/index.ts';
import { waitFor } from './wait.ts';

export const GOLDEN = 'golden-images';
export const BASE_IMAGES: ResourceRef = {
  group: 'vapp.dev',
  version: 'v1alpha1',
  plural: 'baseimages',
  kind: 'BaseImage',
};
const APPLIANCES: ResourceRef = {
  group: 'vapp.dev',
  version: 'v1alpha1',
  plural: 'virtualappliances',
  kind: 'VirtualAppliance',
};

export async function get<T>(
  kc: KubeConfig,
  ref: ResourceRef,
  namespace: string,
  name: string,
): Promise<T | undefined> {
  try {
    return await new RestClient(kc).request<T>(resourcePath(ref, namespace, name));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export function mergePatch(
  kc: KubeConfig,
  ref: ResourceRef,
  namespace: string,
  name: string,
  body: unknown,
): Promise<unknown> {
  return new RestClient(kc).request(resourcePath(ref, namespace, name), {
    method: 'PATCH',
    contentType: 'application/merge-patch+json',
    body,
  });
}

/**
 * Applies config/samples/golden-image with the BaseImage's spec adjusted, and waits until the
 * BaseImage has its first version; returns it.
 */
export async function deployGoldenImage(
  kc: KubeConfig,
  adjust: (bimg: BaseImage['spec']) => BaseImage['spec'] = (s) => s,
): Promise<LatestImport> {
  const objects = (await readManifests(path.join(SAMPLES_DIR, 'golden-image'))).map((o) => {
    const obj = structuredClone(o) as KubeObject & { spec?: unknown };
    if (obj.kind === 'BaseImage') obj.spec = adjust(obj.spec as BaseImage['spec']);
    return obj;
  });
  await applyManifests(kc, objects);
  return latestImport(kc);
}

/** The BaseImage's latest version and the import (VolumeSnapshot) it lives in. */
export interface LatestImport {
  readonly version: string;
  readonly label: string;
  readonly importName: string;
}

/** Waits until the BaseImage's latest version is another than `previous`; returns it. */
export function latestImport(kc: KubeConfig, previous?: string): Promise<LatestImport> {
  return waitFor(
    async () => {
      const bimg = await get<BaseImage>(kc, BASE_IMAGES, GOLDEN, 'fedora');
      const latest = bimg?.status?.latest;
      if (latest === undefined || latest.version === previous) return false;
      const source = bimg?.status?.versions.find((v) => v.version === latest.version)?.source;
      return source !== undefined && { version: latest.version, label: latest.label, importName: source.name };
    },
    {
      what: `a latest version of BaseImage ${GOLDEN}/fedora${previous ? ` other than ${previous}` : ''}`,
      timeoutMs: 60_000,
    },
  );
}

/** What `kubectl annotate dataimportcron fedora sim.vapp.dev/registry-version=<version>` does: the registry serves a new build. */
export function publish(kc: KubeConfig, version: string): Promise<unknown> {
  return mergePatch(kc, KUBEVIRT.dataImportCrons, GOLDEN, 'fedora', {
    metadata: { annotations: { 'sim.vapp.dev/registry-version': version } },
  });
}

export function readBaseImage(kc: KubeConfig): Promise<BaseImage | undefined> {
  return get<BaseImage>(kc, BASE_IMAGES, GOLDEN, 'fedora');
}

export interface GoldenApplianceOptions {
  readonly namespace: string;
  readonly name: string;
  readonly members: readonly string[];
  /** The root disks clone this import (pinned), or go through the DataSource (sourceRef: CDI records no version). */
  readonly root: { readonly snapshot: string } | { readonly sourceRef: true };
  /** Members with a data volume (`data`), and the workload writing to the member's volumes. */
  readonly data?: readonly string[];
  readonly workload?: number;
  /** Labels of the VirtualAppliance (what a rollout's selector and waves match). */
  readonly labels?: Readonly<Record<string, string>>;
}

/** The appliance's objects: per member a root DataVolume, maybe a data PVC, the VM; then the VirtualAppliance. */
export function goldenAppliance(o: GoldenApplianceOptions): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const member of o.members) {
    const vm = `${o.name}-${member}`;
    const withData = o.data?.includes(member) === true;
    objects.push({
      apiVersion: 'cdi.kubevirt.io/v1beta1',
      kind: 'DataVolume',
      metadata: { name: `${vm}-root`, namespace: o.namespace },
      spec: {
        ...('snapshot' in o.root
          ? { source: { snapshot: { namespace: GOLDEN, name: o.root.snapshot } } }
          : { sourceRef: { kind: 'DataSource', namespace: GOLDEN, name: 'fedora' } }),
        storage: { resources: { requests: { storage: '64Mi' } } },
      },
    } as KubeObject);
    if (withData) {
      objects.push({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: `${vm}-data`, namespace: o.namespace },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '32Mi' } } },
      } as KubeObject);
    }
    objects.push({
      apiVersion: 'kubevirt.io/v1',
      kind: 'VirtualMachine',
      metadata: {
        name: vm,
        namespace: o.namespace,
        ...(o.workload && withData ? { annotations: { [STORAGE_ANNOTATIONS.workload]: String(o.workload) } } : {}),
      },
      spec: {
        runStrategy: 'Always',
        template: {
          // Fedora's cloud image runs qemu-guest-agent: the guest reports its os-release.
          metadata: { annotations: { 'sim.vapp.dev/guest-agent': 'true' } },
          spec: {
            domain: {
              devices: {
                disks: [
                  { name: 'root', disk: { bus: 'virtio' } },
                  ...(withData ? [{ name: 'data', disk: { bus: 'virtio' } }] : []),
                ],
              },
              memory: { guest: '1Gi' },
            },
            volumes: [
              { name: 'root', dataVolume: { name: `${vm}-root` } },
              ...(withData ? [{ name: 'data', persistentVolumeClaim: { claimName: `${vm}-data` } }] : []),
            ],
          },
        },
      },
    } as KubeObject);
  }
  objects.push({
    apiVersion: 'vapp.dev/v1alpha1',
    kind: 'VirtualAppliance',
    metadata: { name: o.name, namespace: o.namespace, ...(o.labels ? { labels: { ...o.labels } } : {}) },
    spec: {
      members: o.members.map((member, i) => ({
        name: member,
        vm: `${o.name}-${member}`,
        dataVolumes: o.data?.includes(member) === true ? ['data'] : [],
        startOrder: i,
        baseImage: { ref: { name: 'fedora', namespace: GOLDEN } },
      })),
    },
  } as KubeObject);
  return objects;
}

export async function createNamespace(kc: KubeConfig, name: string): Promise<void> {
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
}

/** Deploys the appliance and waits until it is Ready with every member's base image version read. */
export async function deployGoldenAppliance(kc: KubeConfig, o: GoldenApplianceOptions): Promise<VirtualAppliance> {
  await applyManifests(kc, goldenAppliance(o));
  return waitFor(
    async () => {
      const a = await get<VirtualAppliance>(kc, APPLIANCES, o.namespace, o.name);
      const ready = a?.status?.conditions.some((c) => c.type === 'Ready' && c.status === 'True') === true;
      const read =
        a?.status?.members.length === o.members.length && a.status.members.every((m) => m.baseImage !== undefined);
      return ready && read && a;
    },
    { what: `appliance ${o.namespace}/${o.name} Ready`, timeoutMs: 60_000 },
  );
}

export function readGoldenAppliance(
  kc: KubeConfig,
  namespace: string,
  name: string,
): Promise<VirtualAppliance | undefined> {
  return get<VirtualAppliance>(kc, APPLIANCES, namespace, name);
}
