// The simulated workload: while a VM annotated sim.vapp.dev/workload runs, it writes random 4 KiB
// blocks at random aligned offsets (never the first block) of every PVC its VMI mounts, at the annotated rate per volume,
// and appends each write to the volume's ledger. Writes stop as soon as the VM is asked to stop
// (runStrategy Halted) or its VMI is no longer running.
import { randomBytes, randomInt } from 'node:crypto';
import { appendFile, open, readFile, stat } from 'node:fs/promises';
import type { VirtualMachine, VirtualMachineInstance } from '../../../kubevirt/types.ts';
import type { ControllerDefinition } from '../../../runtime/controller.ts';
import { errorMessage } from '../../../runtime/errors.ts';
import { runIntent } from '../runstrategy.ts';
import { STORAGE_ANNOTATIONS } from '../storage/annotations.ts';
import { cached, type StorageContext } from '../storage/context.ts';
import { ledgerFile, pvcFile } from '../storage/paths.ts';
import { STORAGE_RESOURCES as R } from '../storage/resources.ts';
import { formatEntry, parseLedger, sha256 } from './ledger.ts';

export const WRITE_SIZE = 4096;

/** Writes per second asked by the VM's annotation (0: none). */
export function workloadRate(vm: VirtualMachine | undefined): number {
  const raw = vm?.metadata?.annotations?.[STORAGE_ANNOTATIONS.workload]?.trim();
  if (raw === undefined || !/^\d+(\.\d+)?$/.test(raw)) return 0;
  return Math.min(Number(raw), 1000);
}

/** The claims a running VMI mounts (PVC and DataVolume volumes). */
export function mountedClaims(vmi: VirtualMachineInstance): string[] {
  return (vmi.spec.volumes ?? [])
    .map((v) => v.persistentVolumeClaim?.claimName ?? v.dataVolume?.name)
    .filter((c): c is string => c !== undefined);
}

/** Whether the workload of this VM writes now. */
export function isWriting(vm: VirtualMachine | undefined, vmi: VirtualMachineInstance | undefined): boolean {
  return (
    vm !== undefined &&
    vmi !== undefined &&
    workloadRate(vm) > 0 &&
    runIntent(vm) !== 'halt' &&
    vm.metadata?.deletionTimestamp == null &&
    vmi.metadata?.deletionTimestamp == null &&
    vmi.status?.phase === 'Running'
  );
}

interface Loop {
  readonly timer: NodeJS.Timeout;
  readonly rate: number;
  readonly claims: string;
}

export class Workload {
  readonly #ctx: StorageContext;
  readonly #loops = new Map<string, Loop>();
  readonly #seq = new Map<string, number>();
  readonly #busy = new Set<string>();
  readonly #inflight = new Set<Promise<void>>();

  constructor(ctx: StorageContext) {
    this.#ctx = ctx;
  }

  controller(): ControllerDefinition {
    return {
      name: 'storage-simulator-workload',
      watches: [{ resource: R.vms }, { resource: R.vmis }],
      reconcile: (req) => {
        this.#sync(req.namespace ?? '', req.name);
        return Promise.resolve(undefined);
      },
    };
  }

  #state(ns: string, name: string): { vm?: VirtualMachine; vmi?: VirtualMachineInstance } {
    const vm = cached<VirtualMachine>(this.#ctx, R.vms, ns, name);
    const vmi = cached<VirtualMachineInstance>(this.#ctx, R.vmis, ns, name);
    return { ...(vm ? { vm } : {}), ...(vmi ? { vmi } : {}) };
  }

  #sync(ns: string, name: string): void {
    const key = `${ns}/${name}`;
    const { vm, vmi } = this.#state(ns, name);
    const old = this.#loops.get(key);
    if (!isWriting(vm, vmi) || !vmi) {
      if (old) {
        clearInterval(old.timer);
        this.#loops.delete(key);
        this.#ctx.log.debug('workload stopped', { vm: key });
      }
      return;
    }
    const rate = workloadRate(vm);
    const claims = mountedClaims(vmi);
    if (old && old.rate === rate && old.claims === claims.join(',')) return;
    if (old) clearInterval(old.timer);
    const timer = setInterval(() => this.#tick(ns, name), Math.max(1, Math.round(1000 / rate)));
    this.#loops.set(key, { timer, rate, claims: claims.join(',') });
    this.#ctx.log.debug('workload started', { vm: key, rate, claims });
  }

  #tick(ns: string, name: string): void {
    const key = `${ns}/${name}`;
    if (this.#busy.has(key)) return;
    const { vm, vmi } = this.#state(ns, name);
    // Checked at every write against the cache: no write once the VM is asked to stop, none while
    // its guest is frozen for a snapshot.
    if (!isWriting(vm, vmi) || !vmi || this.#ctx.freezer.isFrozen(key)) return;
    this.#busy.add(key);
    const p = Promise.all(mountedClaims(vmi).map((claim) => this.#write(ns, claim)))
      .then(() => undefined)
      .catch((err: unknown) => {
        this.#ctx.log.warn('workload write failed', { vm: key, error: errorMessage(err) });
      })
      .finally(() => {
        this.#busy.delete(key);
        this.#inflight.delete(p);
      });
    this.#inflight.add(p);
  }

  async #write(ns: string, claim: string): Promise<void> {
    const file = pvcFile(this.#ctx.volumesDir, ns, claim);
    const ledger = ledgerFile(this.#ctx.volumesDir, ns, claim);
    await this.#ctx.locks.with([file], async () => {
      let size: number;
      try {
        size = (await stat(file)).size;
      } catch {
        return; // not provisioned (yet)
      }
      const blocks = Math.floor(size / WRITE_SIZE);
      if (blocks < 2) return;
      // Never block 0: it is the disk's boot block (a file system does not write it), where an
      // imported disk states its OS for the guest agent (cdi/os-release.ts).
      const offset = randomInt(1, blocks) * WRITE_SIZE;
      const data = randomBytes(WRITE_SIZE);
      const seq = await this.#nextSeq(ledger);
      // Ledgered before written: whoever sees the new bytes on the volume finds the entry that
      // explains them (verifyWritesCarriedOver reads a live volume before the later ledgers).
      const time = new Date(Date.now()).toISOString();
      await appendFile(ledger, formatEntry({ seq, offset, length: WRITE_SIZE, sha256: sha256(data), time }));
      const handle = await open(file, 'r+');
      try {
        await handle.write(data, 0, data.length, offset);
      } finally {
        await handle.close();
      }
    });
  }

  async #nextSeq(ledger: string): Promise<number> {
    let last = this.#seq.get(ledger);
    if (last === undefined) {
      try {
        last = parseLedger(await readFile(ledger, 'utf8')).at(-1)?.seq ?? 0;
      } catch {
        last = 0;
      }
    }
    this.#seq.set(ledger, last + 1);
    return last + 1;
  }

  /** Stops every loop and waits for the writes in flight. */
  async stop(): Promise<void> {
    for (const l of this.#loops.values()) clearInterval(l.timer);
    this.#loops.clear();
    await Promise.all([...this.#inflight]);
  }
}
