// A loopback TCP proxy the tests put between a client and the API server, to inject network
// faults (cut or frozen connections, refused connects). TLS passes through untouched.
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export class TcpProxy {
  readonly #server: Server;
  readonly #pairs = new Set<[Socket, Socket]>();
  readonly #frozen = new Set<[Socket, Socket]>();
  #refusing = false;

  private constructor(server: Server) {
    this.#server = server;
  }

  /** Starts a proxy on 127.0.0.1:<random> forwarding to `target` (`https://host:port` or `host:port`). */
  static async start(target: string): Promise<TcpProxy> {
    const url = new URL(target.includes('://') ? target : `tcp://${target}`);
    const self: { proxy?: TcpProxy } = {};
    const server = createServer((client) => {
      const proxy = self.proxy;
      if (!proxy || proxy.refusing) {
        client.destroy();
        return;
      }
      const upstream = connect(Number(url.port), url.hostname);
      const pair: [Socket, Socket] = [client, upstream];
      proxy.track(pair);
      const close = (): void => {
        client.destroy();
        upstream.destroy();
        proxy.forget(pair);
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self.proxy = new TcpProxy(server);
    return self.proxy;
  }

  get refusing(): boolean {
    return this.#refusing;
  }

  private track(pair: [Socket, Socket]): void {
    this.#pairs.add(pair);
  }

  private forget(pair: [Socket, Socket]): void {
    this.#pairs.delete(pair);
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** Open connections. */
  get connections(): number {
    return this.#pairs.size;
  }

  /** Resets every open connection (the client sees the stream end or fail). */
  cutAll(): void {
    for (const [a, b] of this.#pairs) {
      a.destroy();
      b.destroy();
    }
    this.#pairs.clear();
  }

  /** Stops forwarding on the open connections without closing them: a silent, half-dead watch. */
  freezeAll(): void {
    for (const [a, b] of this.#pairs) {
      a.unpipe(b);
      b.unpipe(a);
      a.pause();
      b.pause();
      this.#frozen.add([a, b]);
    }
    this.#pairs.clear();
  }

  /** While refusing, new connections are closed at once. */
  refuse(refusing: boolean): void {
    this.#refusing = refusing;
  }

  async stop(): Promise<void> {
    this.cutAll();
    for (const [a, b] of this.#frozen) {
      a.destroy();
      b.destroy();
    }
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
