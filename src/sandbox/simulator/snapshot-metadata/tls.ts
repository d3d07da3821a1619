// The sandbox's own CA and the serving certificate of its SnapshotMetadata service, made with the
// openssl command (Node cannot issue X.509 certificates), as a cluster's cert-manager or the
// external-snapshot-metadata example deployment would. The certificate carries the address's IP as
// a SAN: the client verifies it against spec.address (iter.go getGRPCClient).
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ServingCertificate {
  readonly caPem: Buffer;
  readonly certPem: Buffer;
  readonly keyPem: Buffer;
}

export async function makeServingCertificate(dir: string, host: string): Promise<ServingCertificate> {
  await mkdir(dir, { recursive: true });
  const f = (name: string) => path.join(dir, name);
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '30',
    '-subj',
    '/CN=sandbox-snapshot-metadata-ca',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.crt'),
  ]);
  await run('openssl', [
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-subj',
    '/CN=sandbox-snapshot-metadata',
    '-keyout',
    f('tls.key'),
    '-out',
    f('tls.csr'),
  ]);
  const san = /^[\d.]+$/.test(host) ? `IP:${host}` : `DNS:${host}`;
  await writeFile(f('ext.cnf'), `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n`);
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    f('tls.csr'),
    '-CA',
    f('ca.crt'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-days',
    '30',
    '-extfile',
    f('ext.cnf'),
    '-out',
    f('tls.crt'),
  ]);
  return {
    caPem: await readFile(f('ca.crt')),
    certPem: await readFile(f('tls.crt')),
    keyPem: await readFile(f('tls.key')),
  };
}
