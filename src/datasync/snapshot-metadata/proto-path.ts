// Where the Kubernetes SnapshotMetadata gRPC API (external-snapshot-metadata proto/schema.proto) is
// read from at run time: generated/ beside this file, written by `make generate` from the specs
// folder and never committed (the image build generates it as well).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SNAPSHOT_METADATA_PROTO = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  'generated',
  'schema.proto',
);
