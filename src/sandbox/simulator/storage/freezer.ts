// The guest agent's fsfreeze: while a snapshot with the GuestAgent indication cuts its volumes, the
// VM's workload does not write (a frozen guest's writes wait), so the cuts of all its volumes hold
// the same writes: the snapshot is consistent across volumes. Without an agent (or when freezing
// fails) there is no freeze and each volume is cut at its own instant (crash-consistent only).
export class Freezer {
  /** Frozen VMs (`namespace/name`) by the snapshot (`namespace/name`) that froze them. */
  readonly #bySnapshot = new Map<string, string>();

  freeze(snapshotKey: string, vmKey: string): void {
    this.#bySnapshot.set(snapshotKey, vmKey);
  }

  thaw(snapshotKey: string): void {
    this.#bySnapshot.delete(snapshotKey);
  }

  isFrozen(vmKey: string): boolean {
    for (const v of this.#bySnapshot.values()) if (v === vmKey) return true;
    return false;
  }
}
