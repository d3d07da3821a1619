// Release, after the plan ended with the clone serving: once rollback.retainOriginalFor has run out
// (or at once when the plan is deleted), the stopped original is released: its VMs, the plan's
// snapshots, clones, Jobs, scratch volumes and sync leftovers are deleted. The replicas now serve as
// the clone's data volumes and stay; so do the PVCs the original VMs used (user data is never
// deleted by the operator: the user removes them when they are sure).
import type { MaintenancePlan } from '../../../api/v1alpha1/index.ts';
import type { KubeObject } from '../../../runtime/object.ts';
import { claimsOf } from '../../../kubevirt/vm.ts';
import type { ClusterIO } from '../cluster-io.ts';
import type { StepFacts } from '../facts.ts';
import { LABEL_PLAN } from '../names.ts';
import { done, wait, type StepOutcome } from '../outcome.ts';
import { JOBS, PVCS, VMS, VM_CLONES, VM_SNAPSHOTS, VOLUME_SNAPSHOTS } from '../resources.ts';

/** When the original may be released, or undefined before the cut-over. */
export function releaseAt(status: MaintenancePlan['status'], retainOriginalMs: number): Date | undefined {
  const switched = status?.cutOver?.servicesSwitchedAt;
  if (switched === undefined) return undefined;
  return new Date(Date.parse(switched) + retainOriginalMs);
}

/**
 * Whether the stopped original is kept for a rollback: the Services moved to the clone, no rollback
 * started, and retainOriginalFor has not run out (the release has not begun deleting it).
 */
export function originalRetained(status: MaintenancePlan['status'], retainOriginalMs: number, now: Date): boolean {
  const at = releaseAt(status, retainOriginalMs);
  return at !== undefined && status?.rollback === undefined && now < at;
}

/** Releases the original once retainOriginalFor has run out, or at once with `immediately` (the plan is being deleted). */
export async function releaseStep(facts: StepFacts, io: ClusterIO, { immediately = false } = {}): Promise<StepOutcome> {
  const at = releaseAt(facts.status, facts.settings.retainOriginalMs);
  if (at === undefined) return done('nothing to release');
  if (facts.now < at && !immediately) {
    return wait(`keeping the original for a rollback until ${at.toISOString()}`, {
      requeueAfterMs: at.getTime() - facts.now.getTime(),
    });
  }
  let left = 0;
  for (const member of facts.members) {
    const original = io.vmOf(member.name, facts.fromSlot);
    if (original !== undefined) {
      left++;
      if (original.metadata?.deletionTimestamp === undefined) await io.remove(VMS, original.metadata?.name ?? '');
    }
  }
  // The plan's snapshots, clones, Jobs (update, check, sync) and sync leftovers.
  for (const kind of [VM_CLONES, VM_SNAPSHOTS, JOBS, VOLUME_SNAPSHOTS]) {
    for (const child of io.children<KubeObject>(kind)) {
      left++;
      await io.remove(kind, child.metadata?.name ?? '');
    }
  }
  // Volumes the clone VMs do not use: their scratch volumes (restored by the clone, owned by the
  // clone VM) and any PVC of the plan's but the replicas they now run on.
  const clones = facts.members.map((m) => io.vmOf(m.name, facts.toSlot)).filter((vm) => vm !== undefined);
  const inUse = new Set(clones.flatMap(claimsOf));
  const cloneUids = new Set(clones.map((vm) => vm.metadata?.uid));
  for (const pvc of io.inNamespace(PVCS)) {
    const name = pvc.metadata?.name ?? '';
    if (inUse.has(name)) continue;
    const scratch = (pvc.metadata?.ownerReferences ?? []).some((o) => cloneUids.has(o.uid));
    if (scratch || pvc.metadata?.labels?.[LABEL_PLAN] === facts.plan.metadata.name) {
      left++;
      await io.remove(PVCS, name);
    }
  }
  return left === 0 ? done('the original was released') : wait(`releasing the original (${String(left)} objects left)`);
}
