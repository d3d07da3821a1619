// Pod IPs for sandbox-node, from 10.244.0.0/16 like a host-local CNI: round robin, so that an IP
// freed by a deleted Pod is not handed out again at once (an EndpointSlice may still list it).

const BASE = (10 << 24) | (244 << 16);
const FIRST = 2; // .0.0 is the network, .0.1 the node's gateway
const LAST = 0xfffe;

export function ipOf(offset: number): string {
  const n = BASE + offset;
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Allocates Pod IPs by Pod uid. Not thread-safe and need not be: Node runs one thread. */
export class Ipam {
  readonly #byPod = new Map<string, string>();
  readonly #inUse = new Set<string>();
  #next = FIRST;

  /** The IP of `podUid`, allocating one if it has none. Throws when the range is exhausted. */
  allocate(podUid: string): string {
    const had = this.#byPod.get(podUid);
    if (had) return had;
    for (let i = 0; i <= LAST - FIRST; i++) {
      const offset = this.#next;
      this.#next = offset >= LAST ? FIRST : offset + 1;
      const ip = ipOf(offset);
      if (!this.#inUse.has(ip)) {
        this.observe(podUid, ip);
        return ip;
      }
    }
    throw new Error('no free Pod IP in 10.244.0.0/16');
  }

  /** Records an IP a Pod already has (e.g. found after a simulator restart). */
  observe(podUid: string, ip: string): void {
    this.#byPod.set(podUid, ip);
    this.#inUse.add(ip);
  }

  release(podUid: string): void {
    const ip = this.#byPod.get(podUid);
    if (ip === undefined) return;
    this.#byPod.delete(podUid);
    this.#inUse.delete(ip);
  }

  get size(): number {
    return this.#byPod.size;
  }
}
