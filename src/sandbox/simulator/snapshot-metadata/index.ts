// Part of the sandbox's CSI drivers: a SnapshotMetadata service per driver (server.ts), its TLS
// certificate from a CA made for the sandbox (tls.ts), and the cluster-scoped
// SnapshotMetadataService object named after the driver that advertises it (address, caCert,
// audience), as the external-snapshot-metadata deployment publishes one. Re-published with the new
// address and CA on every start.
import path from 'node:path';
import { SANDBOX_DRIVERS } from '../../thirdparty/storage-classes.ts';
import type { Api } from '../storage/api.ts';
import { SNAPSHOT_METADATA_SERVICES, startSnapshotMetadataServer, type SnapshotMetadataServer } from './server.ts';
import { makeServingCertificate } from './tls.ts';

export { CBT_ANNOTATIONS, SNAPSHOT_METADATA_SERVICES } from './server.ts';

/** The audience every sandbox service asks tokens for. */
export const SANDBOX_SNAPSHOT_METADATA_AUDIENCE = 'sandbox-snapshot-metadata';

const HOST = '127.0.0.1';

export async function startSnapshotMetadataServices(api: Api, volumesDir: string): Promise<{ stop(): Promise<void> }> {
  const certificate = await makeServingCertificate(path.join(volumesDir, '.snapshot-metadata-tls'), HOST);
  const servers: SnapshotMetadataServer[] = [];
  for (const driver of Object.values(SANDBOX_DRIVERS)) {
    const server = await startSnapshotMetadataServer({ api, driver, volumesDir, certificate, host: HOST });
    servers.push(server);
    const spec = {
      address: `${HOST}:${String(server.port)}`,
      caCert: certificate.caPem.toString('base64'),
      audience: SANDBOX_SNAPSHOT_METADATA_AUDIENCE,
    };
    const existing = await api.get<{ metadata?: { resourceVersion?: string } }>(SNAPSHOT_METADATA_SERVICES, '', driver);
    if (existing === undefined) {
      await api.create(SNAPSHOT_METADATA_SERVICES, '', {
        apiVersion: 'cbt.storage.k8s.io/v1beta1',
        kind: 'SnapshotMetadataService',
        metadata: { name: driver, labels: { 'sandbox.vapp.dev/plays': 'csi-driver' } },
        spec,
      });
    } else {
      await api.patch(SNAPSHOT_METADATA_SERVICES, '', driver, { spec });
    }
  }
  return {
    stop: async () => {
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
}
