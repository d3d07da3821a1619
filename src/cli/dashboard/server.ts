// `kubectl vapp dashboard`: a web page on 127.0.0.1, served by the plugin from the user's own
// kubeconfig (no server-side component). It keeps live caches of appliances, plans, rollouts, their
// VMs, Services and Events (list+watch), sends the page the dashboard's state on every change as
// server-sent events, and carries out the requests the page confirms (approve, abort, suspend,
// resume, rollback on plans; approve of a wave, abort, suspend, resume, acknowledge on rollouts)
// through the same rules and patches as the commands (requests/).
//
// Only this machine's browser may use it: it listens on loopback, answers only requests whose Host
// is its own loopback address (no DNS rebinding), and takes a request only with the per-run token
// the page was served with and a JSON body (a cross-site form cannot send one).
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LABEL_APPLIANCE } from '../../api/v1alpha1/index.ts';
import { RESOURCES, type Cluster, type LiveCaches } from '../cluster.ts';
import { describeError } from '../errors.ts';
import { ACTIONS, type Action, type RequestOptions, type RequestTarget, type Versioned } from '../requests/decision.ts';
import { planTarget } from '../requests/plan.ts';
import { rolloutTarget } from '../requests/rollout.ts';
import { sendRequest } from '../requests/send.ts';
import type { WireAppliance, WireEvent, WirePlan, WireRollout, WireService, WireVm, WireVmi } from '../wire.ts';
import { dashboardState } from './state.ts';

export interface DashboardOptions {
  readonly cluster: Cluster;
  /** Port on 127.0.0.1; 0 picks a free one. */
  readonly port: number;
  /** Every namespace instead of the cluster's namespace. */
  readonly allNamespaces?: boolean;
}

export interface Dashboard {
  readonly url: string;
  close(): Promise<void>;
}

const STATIC: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};
const HEARTBEAT_MS = 15_000;
const MAX_BODY = 16 * 1024;

export async function startDashboard(opts: DashboardOptions): Promise<Dashboard> {
  const { cluster } = opts;
  const namespace = opts.allNamespaces === true ? undefined : cluster.namespace;
  const token = randomBytes(24).toString('hex');
  const clients = new Set<ServerResponse>();
  const live: { caches?: LiveCaches } = {};
  let lastState = '';
  let pending: NodeJS.Timeout | undefined;

  const stateJson = (): string => {
    const caches = live.caches;
    if (caches === undefined) return '{}';
    return JSON.stringify(
      dashboardState(
        {
          context: cluster.context,
          namespace,
          appliances: caches.list<WireAppliance>(0),
          plans: caches.list<WirePlan>(1),
          vms: caches.list<WireVm>(2),
          vmis: caches.list<WireVmi>(3),
          services: caches.list<WireService>(4),
          events: [...caches.list<WireEvent>(5), ...caches.list<WireEvent>(7)],
          rollouts: caches.list<WireRollout>(6),
        },
        new Date(),
      ),
    );
  };
  const broadcast = () => {
    const json = stateJson();
    // generatedAt changes every time: compare without it.
    const comparable = json.replace(/"generatedAt":"[^"]*",/, '');
    if (comparable === lastState) return;
    lastState = comparable;
    for (const res of clients) res.write(`event: state\ndata: ${json}\n\n`);
  };
  const schedule = () => {
    pending ??= setTimeout(() => {
      pending = undefined;
      broadcast();
    }, 100);
  };

  live.caches = await cluster.watch(
    [
      { resource: RESOURCES.appliances, namespace },
      { resource: RESOURCES.plans, namespace },
      { resource: RESOURCES.vms, namespace, labelSelector: LABEL_APPLIANCE },
      { resource: RESOURCES.vmis, namespace, labelSelector: LABEL_APPLIANCE },
      { resource: RESOURCES.services, namespace },
      { resource: RESOURCES.events, namespace, fieldSelector: 'involvedObject.kind=MaintenancePlan' },
      { resource: RESOURCES.rollouts, namespace },
      { resource: RESOURCES.events, namespace, fieldSelector: 'involvedObject.kind=MaintenanceRollout' },
    ],
    schedule,
  );

  let hosts = new Set<string>();
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) json(res, 500, { ok: false, message: describeError(err) });
      else res.end();
    });
  });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!hosts.has(req.headers.host ?? '')) {
      res
        .writeHead(421, { 'content-type': 'text/plain' })
        .end('this dashboard answers on its own loopback address only\n');
      return;
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'GET' && STATIC[path] !== undefined) {
      const asset = STATIC[path];
      let body = await readFile(new URL(`./static/${asset.file}`, import.meta.url), 'utf8');
      if (asset.file === 'index.html') body = body.replace('__VAPP_TOKEN__', token);
      res
        .writeHead(200, {
          'content-type': asset.type,
          'cache-control': 'no-store',
          'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'",
          'x-content-type-options': 'nosniff',
        })
        .end(body);
      return;
    }
    if (req.method === 'GET' && path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'GET' && path === '/api/state') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(stateJson());
      return;
    }
    if (req.method === 'GET' && path === '/api/events') {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      res.write(`retry: 2000\nevent: state\ndata: ${stateJson()}\n\n`);
      clients.add(res);
      req.on('close', () => clients.delete(res));
      return;
    }
    if (req.method === 'POST' && path === '/api/requests') {
      await request(req, res);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  };

  const request = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.headers['x-vapp-token'] !== token) {
      json(res, 403, { ok: false, message: 'missing or wrong request token: reload the page' });
      return;
    }
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      json(res, 415, { ok: false, message: 'requests are JSON' });
      return;
    }
    let body: { kind?: unknown; namespace?: unknown; name?: unknown; action?: unknown; hash?: unknown; wave?: unknown };
    try {
      body = JSON.parse(await readBody(req)) as typeof body;
    } catch (err) {
      json(res, 400, { ok: false, message: `not a JSON request: ${describeError(err)}` });
      return;
    }
    const { kind, namespace: ns, name, action, hash, wave } = body;
    const target: RequestTarget<Versioned> | undefined =
      kind === undefined || kind === planTarget.kind
        ? planTarget
        : kind === rolloutTarget.kind
          ? rolloutTarget
          : undefined;
    if (target === undefined) {
      json(res, 400, { ok: false, message: `kind is ${planTarget.kind} or ${rolloutTarget.kind}` });
      return;
    }
    if (typeof ns !== 'string' || typeof name !== 'string' || !(ACTIONS as readonly unknown[]).includes(action)) {
      json(res, 400, { ok: false, message: `a request names namespace, name and an action (${ACTIONS.join(', ')})` });
      return;
    }
    if (!target.actions.includes(action as Action)) {
      json(res, 400, { ok: false, message: `a ${target.kind} takes ${target.actions.join(', ')}` });
      return;
    }
    if (namespace !== undefined && ns !== namespace) {
      json(res, 403, { ok: false, message: `this dashboard shows namespace ${namespace} only` });
      return;
    }
    if (action === 'approve' && target === planTarget && typeof hash !== 'string') {
      json(res, 400, { ok: false, message: 'an approval names the preview hash it approves' });
      return;
    }
    if (action === 'approve' && target !== planTarget && typeof wave !== 'string') {
      json(res, 400, { ok: false, message: 'an approval of a rollout names the wave it approves' });
      return;
    }
    const opts: RequestOptions = {
      ...(typeof hash === 'string' ? { hash } : {}),
      ...(typeof wave === 'string' ? { wave } : {}),
    };
    const { decision } = await sendRequest(cluster.client, target, { namespace: ns, name }, action as Action, opts);
    if (decision.kind === 'refused') json(res, 409, { ok: false, reason: decision.reason, message: decision.message });
    else json(res, 200, { ok: true, changed: decision.kind === 'patch', message: decision.message });
  };

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, '127.0.0.1', () => resolve());
    });
  } catch (err) {
    await live.caches.stop();
    throw new Error(`cannot listen on 127.0.0.1:${String(opts.port)}: ${describeError(err)}`, { cause: err });
  }
  const port = (server.address() as AddressInfo).port;
  hosts = new Set([`127.0.0.1:${String(port)}`, `localhost:${String(port)}`]);
  const heartbeat = setInterval(() => {
    for (const res of clients) res.write(': heartbeat\n\n');
  }, HEARTBEAT_MS);

  return {
    url: `http://127.0.0.1:${String(port)}/`,
    async close() {
      clearInterval(heartbeat);
      if (pending !== undefined) clearTimeout(pending);
      for (const res of clients) res.end();
      clients.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await live.caches?.stop();
    },
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_BODY) throw new Error(`body larger than ${String(MAX_BODY)} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}
