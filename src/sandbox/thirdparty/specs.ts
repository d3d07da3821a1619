// Locates the upstream API specs that the sandbox serves third-party kinds from. They are read
// from a folder (VAPP_SPECS_DIR, else ../shared next to the repository) or downloaded once from the
// upstream release recorded here and cached; they are never committed.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The upstream files the sandbox needs, relative to the specs folder, with their release URLs. */
export const UPSTREAM_SPECS = {
  kubevirt: {
    file: 'kubevirt/swagger.json',
    url: 'https://raw.githubusercontent.com/kubevirt/kubevirt/v1.9.0/api/openapi-spec/swagger.json',
  },
  cdi: {
    file: 'cdi/swagger.json',
    url: 'https://raw.githubusercontent.com/kubevirt/containerized-data-importer/v1.66.0/api/openapi-spec/swagger.json',
  },
  volumeSnapshots: {
    file: 'csi-snapshot/snapshot.storage.k8s.io_volumesnapshots.yaml',
    url: 'https://raw.githubusercontent.com/kubernetes-csi/external-snapshotter/v8.6.0/client/config/crd/snapshot.storage.k8s.io_volumesnapshots.yaml',
  },
  volumeSnapshotContents: {
    file: 'csi-snapshot/snapshot.storage.k8s.io_volumesnapshotcontents.yaml',
    url: 'https://raw.githubusercontent.com/kubernetes-csi/external-snapshotter/v8.6.0/client/config/crd/snapshot.storage.k8s.io_volumesnapshotcontents.yaml',
  },
  volumeSnapshotClasses: {
    file: 'csi-snapshot/snapshot.storage.k8s.io_volumesnapshotclasses.yaml',
    url: 'https://raw.githubusercontent.com/kubernetes-csi/external-snapshotter/v8.6.0/client/config/crd/snapshot.storage.k8s.io_volumesnapshotclasses.yaml',
  },
  snapshotMetadataServices: {
    file: 'csi-snapshot-metadata/cbt.storage.k8s.io_snapshotmetadataservices.yaml',
    url: 'https://raw.githubusercontent.com/kubernetes-csi/external-snapshot-metadata/v1.1.0/client/config/crd/cbt.storage.k8s.io_snapshotmetadataservices.yaml',
  },
  /** The Kubernetes SnapshotMetadata gRPC API (copied to src/datasync/snapshot-metadata/generated/ by `make generate`). */
  snapshotMetadataProto: {
    file: 'csi-snapshot-metadata/schema.proto',
    url: 'https://raw.githubusercontent.com/kubernetes-csi/external-snapshot-metadata/v1.1.0/proto/schema.proto',
  },
} as const;

export type SpecName = keyof typeof UPSTREAM_SPECS;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The folder specs are read from: VAPP_SPECS_DIR, else ../shared beside the repository, if present. */
export function localSpecsDir(): string | undefined {
  const fromEnv = process.env.VAPP_SPECS_DIR;
  if (fromEnv !== undefined && fromEnv !== '') return path.resolve(fromEnv);
  const sibling = path.resolve(repoRoot, '..', 'shared');
  return existsSync(path.join(sibling, UPSTREAM_SPECS.kubevirt.file)) ? sibling : undefined;
}

function downloadCacheDir(): string {
  const cacheRoot =
    process.env.VAPP_CACHE_DIR ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'vapp-operator');
  return path.join(cacheRoot, 'specs');
}

/** Reads one upstream spec as text: from the local folder, else from the download cache, else downloads it. */
export async function readSpec(name: SpecName): Promise<string> {
  const spec = UPSTREAM_SPECS[name];
  const local = localSpecsDir();
  if (local !== undefined) {
    const file = path.join(local, spec.file);
    if (!existsSync(file))
      throw new Error(`${file} not found (VAPP_SPECS_DIR=${local}); expected the upstream ${spec.url}`);
    return readFile(file, 'utf8');
  }
  const cached = path.join(downloadCacheDir(), spec.file);
  if (existsSync(cached)) return readFile(cached, 'utf8');
  const response = await fetch(spec.url);
  if (!response.ok)
    throw new Error(
      `downloading ${spec.url} failed: HTTP ${response.status}; set VAPP_SPECS_DIR to a folder holding ${spec.file}`,
    );
  const text = await response.text();
  await mkdir(path.dirname(cached), { recursive: true });
  await writeFile(cached, text);
  return text;
}
