// Starts a real Kubernetes control plane on loopback: etcd, kube-apiserver (RBAC on) and
// kube-controller-manager (garbage collection, namespace deletion, Jobs, EndpointSlices, quotas...).
// The same launcher serves the tests, `make sandbox` and `make demo`.
//
// Only kube-apiserver listens on TCP: etcd serves on Unix sockets in the control plane's folder and
// the controller manager serves nothing. kube-apiserver cannot pick its own port (`--secure-port=0`
// disables serving), so it gets one the kernel reports free; that port is not held until the server
// binds it, and when another program takes it meanwhile the server exits with `address already in
// use` and is started again on a new port.
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
  /** Picks a port for kube-apiserver, once per attempt (default: one the kernel reports free). */
  readonly choosePort?: () => Promise<number>;
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
  // Computes ResourceQuota status (hard, used); the ResourceQuota admission plugin, on by default in
  // kube-apiserver, refuses what exceeds a quota only once that status exists.
  'resourcequota-controller',
  // Type-checks ValidatingAdmissionPolicies against the kinds they match (status.typeChecking).
  'validatingadmissionpolicy-status-controller',
];

const SERVICE_CIDR = '10.96.0.0/16';
const READY_TIMEOUT_MS = 120_000;
/** kube-apiserver starts tried before giving up when each port chosen is taken before it binds. */
const API_SERVER_ATTEMPTS = 5;
/**
 * etcd's sockets, relative to the control plane's folder (the working directory of etcd and
 * kube-apiserver, so that no path length limit of Unix sockets applies). They are named like
 * host:port because etcd's peer listener uses only a URL's host and etcd checks that it has a port.
 */
const ETCD_CLIENT_SOCKET = 'localhost:2379';
const ETCD_PEER_SOCKET = 'localhost:2380';

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const binaries = await ensureBinaries();
  const temporary = opts.dir === undefined;
  // Absolute: the servers run in this folder, and every path given to them must still hold there.
  const dir = path.resolve(opts.dir ?? (await mkdtemp(path.join(tmpdir(), 'vapp-controlplane-'))));
  await mkdir(dir, { recursive: true });
  const processes: ServerProcess[] = [];
  const stop = async (): Promise<void> => {
    for (const p of processes.reverse()) await p.stop();
    if (temporary) await rm(dir, { recursive: true, force: true });
  };

  try {
    const token = randomBytes(24).toString('hex');
    const files = await writeCredentials(dir, token);

    const etcd = startProcess(
      'etcd',
      binaries.etcd,
      [
        `--data-dir=${path.join(dir, 'etcd')}`,
        `--listen-client-url=unix://${ETCD_CLIENT_SOCKET}`,
        `--listen-peer-url=unix://${ETCD_PEER_SOCKET}`,
        '--unsafe-no-fsync',
      ],
      path.join(dir, 'etcd.log'),
      { cwd: dir },
    );
    processes.push(etcd);

    const certDir = path.join(dir, 'apiserver-certs');
    const caFile = path.join(certDir, 'apiserver.crt');
    const apiServerArgs = (port: number): string[] => [
      `--etcd-servers=unix://${ETCD_CLIENT_SOCKET}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${port}`,
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
    ];
    const { process: apiServer, server } = await startApiServer({
      start: (port) =>
        startProcess(
          'kube-apiserver',
          binaries.kubeApiServer,
          apiServerArgs(port),
          path.join(dir, 'kube-apiserver.log'),
          {
            cwd: dir,
          },
        ),
      choosePort: opts.choosePort ?? freePort,
      ready: async (server) => existsSync(caFile) && (await readyz(server, token, await readFile(caFile, 'utf8'))),
      etcd,
    });
    processes.push(apiServer);

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
          '--secure-port=0', // no health or metrics endpoint: nothing to listen on
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

/** A kube-apiserver that answers /readyz, and its URL. */
interface StartedApiServer {
  readonly process: ServerProcess;
  readonly server: string;
}

/**
 * Starts kube-apiserver on a chosen port and waits until it is ready; when the port was taken
 * before the server could bind it, starts it again on a newly chosen port, a few times.
 */
async function startApiServer(o: {
  readonly start: (port: number) => ServerProcess;
  readonly choosePort: () => Promise<number>;
  readonly ready: (server: string) => Promise<boolean>;
  readonly etcd: ServerProcess;
}): Promise<StartedApiServer> {
  const taken: number[] = [];
  while (taken.length < API_SERVER_ATTEMPTS) {
    const port = await o.choosePort();
    const server = `https://127.0.0.1:${port}`;
    const apiServer = o.start(port);
    try {
      await waitUntil(() => o.ready(server), [o.etcd, apiServer], 'kube-apiserver /readyz');
      return { process: apiServer, server };
    } catch (err) {
      await apiServer.stop();
      if (!portWasTaken(apiServer)) throw err;
      taken.push(port);
    }
  }
  throw new Error(
    `kube-apiserver could not bind a port in ${API_SERVER_ATTEMPTS} attempts: each port chosen ` +
      `(${taken.join(', ')}) was taken by another program before the server bound it ` +
      `("bind: address already in use"). See which program holds them: ss -ltnp`,
  );
}

/** The server exited because its listening port was in use. */
function portWasTaken(p: ServerProcess): boolean {
  return !p.isRunning() && /bind: address already in use/.test(p.output());
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
