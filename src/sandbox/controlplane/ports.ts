// A free loopback port for a server that cannot listen on port 0 and tell which port it got
// (kube-apiserver). The port is free when asked for but not held: another program can take it
// before the server binds it, so its caller must start the server again on a new port when that
// happens (see startApiServer in controlplane.ts). A server written in Node listens on port 0 instead.
import net from 'node:net';

/** Asks the kernel for a free loopback TCP port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (typeof address === 'object' && address !== null) resolve(address.port);
        else reject(new Error('could not determine a free port'));
      });
    });
  });
}
