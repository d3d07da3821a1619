// Starts a real Kubernetes control plane on loopback: etcd, kube-apiserver (RBAC on) and
// kube-controller-manager (garbage collection, namespace deletion, Jobs, EndpointSlices...).
// The same launcher serves the tests, `make sandbox` and `make demo`.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ensureBinaries } from './binaries.ts';
import { kubeconfigYaml } from './kubeconfig.ts';
import { freePort } from './ports.ts';
import { startProcess, type ServerProcess } from './process.ts';

/** Options for {@link startControlPlane}. */
export interface ControlPlaneOptions {
  /** Folder for data, certificates, logs and the kubeconfig (default: a new temporary folder, removed on stop). */
  readonly dir?: string;
  /** Extra kube-apiserver flags, e.g. to shorten watch timeouts in a test. */
  readonly apiServerArgs?: readonly string[];
  /** Start kube-controller-manager (default true). */
  readonly controllerManager?: boolean;
  /** Called before the controller manager starts, so that it discovers CRDs installed here from its first sync. */
  readonly beforeControllerManager?: (kubeConfig: KubeConfig) => Promise<void>;
}

/** A running control plane. */
export interface ControlPlane {
  readonly dir: string;
  /** https://127.0.0.1:<port> */
  readonly server: string;
  /** Admin kubeconfig file (user in group system:masters). */
  readonly kubeconfigPath: string;
  /** Admin client configuration. */
  readonly kubeConfig: KubeConfig;
  /** PEM of the CA that signed the API server's serving certificate. */
  readonly caData: string;
  /** Stops all processes; removes the folder when it was temporary. */
  stop(): Promise<void>;
}

/** kube-controller-manager controllers that make the sandbox behave like a cluster. */
const CONTROLLERS = [
  'garbage-collector-controller',
  'namespace-controller',
  'job-controller',
  'ttl-after-finished-controller',
  'endpointslice-controller',
  'serviceaccount-controller',
  'root-ca-certificate-publisher-controller',
  'replicaset-controller',
  'deployment-controller',
  'pod-garbage-collector-controller',
  'clusterrole-aggregation-controller',
  'persistentvolumeclaim-protection-controller',
];

const SERVICE_CIDR = '10.96.0.0/16';
const READY_TIMEOUT_MS = 120_000;

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const binaries = await ensureBinaries();
  const temporary = opts.dir === undefined;
  const dir = opts.dir ?? (await mkdtemp(path.join(tmpdir(), 'vapp-controlplane-')));
  await mkdir(dir, { recursive: true });
  const processes: ServerProcess[] = [];
  const stop = async (): Promise<void> => {
    for (const p of processes.reverse()) await p.stop();
    if (temporary) await rm(dir, { recursive: true, force: true });
  };

  try {
    const [etcdPort, etcdPeerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const token = randomBytes(24).toString('hex');
    const files = await writeCredentials(dir, token);

    const etcd = startProcess(
      'etcd',
      binaries.etcd,
      [
        `--data-dir=${path.join(dir, 'etcd')}`,
        `--listen-client-url=http://127.0.0.1:${etcdPort}`,
        `--listen-peer-url=http://127.0.0.1:${etcdPeerPort}`,
        '--unsafe-no-fsync',
      ],
      path.join(dir, 'etcd.log'),
    );
    processes.push(etcd);

    const certDir = path.join(dir, 'apiserver-certs');
    const apiServer = startProcess(
      'kube-apiserver',
      binaries.kubeApiServer,
      [
        `--etcd-servers=http://127.0.0.1:${etcdPort}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        `--cert-dir=${certDir}`,
        `--service-cluster-ip-range=${SERVICE_CIDR}`,
        '--authorization-mode=RBAC',
        `--token-auth-file=${files.tokens}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${files.saPublicKey}`,
        `--service-account-signing-key-file=${files.saPrivateKey}`,
        // As envtest: Pods never run here, and the admission plugin would race namespace creation.
        '--disable-admission-plugins=ServiceAccount',
        '--allow-privileged=true',
        '--profiling=false',
        ...(opts.apiServerArgs ?? []),
      ],
      path.join(dir, 'kube-apiserver.log'),
    );
    processes.push(apiServer);

    const server = `https://127.0.0.1:${apiPort}`;
    const caFile = path.join(certDir, 'apiserver.crt');
    await waitUntil(
      async () => existsSync(caFile) && (await readyz(server, token, await readFile(caFile, 'utf8'))),
      [etcd, apiServer],
      'kube-apiserver /readyz',
    );
    const caData = await readFile(caFile, 'utf8');

    const kubeconfigPath = path.join(dir, 'kubeconfig');
    await writeFile(kubeconfigPath, kubeconfigYaml({ server, caData, user: 'admin', token }), { mode: 0o600 });
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(kubeconfigPath);

    await opts.beforeControllerManager?.(kubeConfig);

    if (opts.controllerManager !== false) {
      const kcm = startProcess(
        'kube-controller-manager',
        binaries.kubeControllerManager,
        [
          `--kubeconfig=${kubeconfigPath}`,
          `--authentication-kubeconfig=${kubeconfigPath}`,
          `--authorization-kubeconfig=${kubeconfigPath}`,
          '--secure-port=0',
          '--leader-elect=false',
          `--controllers=${CONTROLLERS.join(',')}`,
          `--service-account-private-key-file=${files.saPrivateKey}`,
          `--root-ca-file=${caFile}`,
          `--service-cluster-ip-range=${SERVICE_CIDR}`,
        ],
        path.join(dir, 'kube-controller-manager.log'),
      );
      processes.push(kcm);
      // The service account controller creating `default` proves the controller manager is at work.
      await waitUntil(
        () => defaultServiceAccountExists(server, token, caData),
        [etcd, apiServer, kcm],
        'kube-controller-manager to create the default ServiceAccount',
      );
    }

    return { dir, server, kubeconfigPath, kubeConfig, caData, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

interface CredentialFiles {
  readonly tokens: string;
  readonly saPrivateKey: string;
  readonly saPublicKey: string;
}

async function writeCredentials(dir: string, token: string): Promise<CredentialFiles> {
  const files = {
    tokens: path.join(dir, 'tokens.csv'),
    saPrivateKey: path.join(dir, 'sa.key'),
    saPublicKey: path.join(dir, 'sa.pub'),
  };
  // Static token auth for the admin: no client certificates to mint, nothing beyond Node needed.
  await writeFile(files.tokens, `${token},admin,admin-uid,"system:masters"\n`, { mode: 0o600 });
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  await writeFile(files.saPrivateKey, privateKey, { mode: 0o600 });
  await writeFile(files.saPublicKey, publicKey);
  return files;
}

function get(url: string, token: string, ca: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { headers: { Authorization: `Bearer ${token}` }, ca, timeout: 5_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

async function readyz(server: string, token: string, ca: string): Promise<boolean> {
  return (await get(`${server}/readyz`, token, ca)) === 200;
}

async function defaultServiceAccountExists(server: string, token: string, ca: string): Promise<boolean> {
  return (await get(`${server}/api/v1/namespaces/default/serviceaccounts/default`, token, ca)) === 200;
}

/** Polls `probe` until true; fails early with the log tail of any process that died meanwhile. */
async function waitUntil(
  probe: () => boolean | Promise<boolean>,
  watched: readonly ServerProcess[],
  what: string,
): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (await probe()) return;
    const dead = watched.find((p) => !p.isRunning());
    if (dead !== undefined) throw new Error(`${dead.name} exited while waiting for ${what}:\n${dead.tail()}`);
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${what}; logs:\n${watched.map((p) => `--- ${p.name}\n${p.tail()}`).join('\n')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
