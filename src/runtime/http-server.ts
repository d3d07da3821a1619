import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A bind address such as `:8080`, `127.0.0.1:0` or `[::1]:8081`; `0` disables the server. */
export interface BindAddress {
  /** undefined: all interfaces. */
  readonly host?: string;
  readonly port: number;
}

/** Parses controller-runtime style bind addresses; returns undefined for `0` (disabled). */
export function parseBindAddress(addr: string): BindAddress | undefined {
  if (addr === '0' || addr === '') return undefined;
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(addr);
  if (!m) throw new Error(`invalid bind address ${JSON.stringify(addr)} (expected host:port, :port or 0)`);
  const host = m[1] ?? m[2];
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`invalid port in bind address ${addr}`);
  return host ? { host, port } : { port };
}

/** A route handler: returns status and body text. */
export type Route = (req: IncomingMessage) => Promise<{ status: number; body: string; contentType?: string }>;

/** A started HTTP server. */
export interface RunningServer {
  /** `host:port` actually bound (useful with port 0). */
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Serves `routes` (exact paths, GET) on `bind`; 404 elsewhere. */
export async function startHttpServer(
  bind: BindAddress,
  routes: Readonly<Record<string, Route>>,
): Promise<RunningServer> {
  const server = createServer((req, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = routes[path];
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    route(req).then(
      (r) => res.writeHead(r.status, { 'content-type': r.contentType ?? 'text/plain; charset=utf-8' }).end(r.body),
      (err: unknown) =>
        res
          .writeHead(500, { 'content-type': 'text/plain' })
          .end(`${err instanceof Error ? err.message : String(err)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(bind.port, bind.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const info = server.address() as AddressInfo;
  return {
    address: `${info.family === 'IPv6' ? `[${info.address}]` : info.address}:${info.port}`,
    port: info.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
