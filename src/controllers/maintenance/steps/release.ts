// Step 10: after rollback.retainOriginalFor, the stopped original is released: its VMs, the plan's
// snapshots, clones, Jobs, scratch volumes and sync leftovers are deleted. The replicas now serve as the
// clone's data volumes and stay; so do the PVCs the original VMs used (user data is never deleted
// by the operator: the user removes them when they are sure).
import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import type { MaintenancePlan } from '../../../api/v1alpha1/index.ts';
import type { StepContext } from '../context.ts';
import { parseDuration } from '../quantities.ts';
import { done, wait, type StepOutcome } from '../outcome.ts';
import { LABEL_PLAN } from '../names.ts';
import { JOBS, PVCS, VMS, VM_CLONES, VM_SNAPSHOTS, VOLUME_SNAPSHOTS } from '../resources.ts';
import { claimOf } from './sync.ts';

/** When the original may be released, or undefined before the cut-over. */
export function releaseAt(plan: Pick<MaintenancePlan, 'spec' | 'status'>): Date | undefined {
  const switched = plan.status?.cutOver?.servicesSwitchedAt;
  if (switched === undefined) return undefined;
  return new Date(Date.parse(switched) + parseDuration(plan.spec.rollback.retainOriginalFor));
}

/**
 * Whether the stopped original is kept for a rollback: the Services moved to the clone, no rollback
 * started, and retainOriginalFor has not run out (the release has not begun deleting it).
 */
export function originalRetained(plan: Pick<MaintenancePlan, 'spec' | 'status'>, now: Date): boolean {
  const at = releaseAt(plan);
  return at !== undefined && plan.status?.rollback === undefined && now < at;
}

/** Releases the original once retainOriginalFor has run out, or at once with `immediately` (the plan is being deleted). */
export async function releaseStep(ctx: StepContext, { immediately = false } = {}): Promise<StepOutcome> {
  const at = releaseAt(ctx.plan);
  if (at === undefined) return done('nothing to release');
  if (ctx.now < at && !immediately)
    return wait(`keeping the original for a rollback until ${at.toISOString()}`, {
      requeueAfterMs: at.getTime() - ctx.now.getTime(),
    });
  let left = 0;
  for (const member of ctx.members) {
    const original = ctx.vmOf(member.name, ctx.fromSlot);
    if (original !== undefined) {
      left++;
      if (original.metadata?.deletionTimestamp === undefined) await ctx.remove(VMS, original.metadata?.name ?? '');
    }
  }
  // The plan's snapshots, clones, Jobs (update, check, sync) and sync leftovers.
  for (const kind of [VM_CLONES, VM_SNAPSHOTS, JOBS, VOLUME_SNAPSHOTS]) {
    for (const child of ctx.children(kind)) {
      left++;
      await ctx.remove(kind, child.metadata?.name ?? '');
    }
  }
  // Volumes the clone VMs do not use: their scratch volumes (restored by the clone, owned by the
  // clone VM) and any PVC of the plan's but the replicas they now run on.
  const inUse = new Set(
    ctx.members.flatMap((m) => {
      const vm = ctx.vmOf(m.name, ctx.toSlot);
      return vm === undefined
        ? []
        : (vm.spec.template.spec?.volumes ?? [])
            .map((v) => claimOf(vm, v.name))
            .filter((c): c is string => c !== undefined);
    }),
  );
  const cloneUids = new Set(
    ctx.members.map((m) => ctx.vmOf(m.name, ctx.toSlot)?.metadata?.uid).filter((u) => u !== undefined),
  );
  for (const pvc of ctx.deps.cache.informer<V1PersistentVolumeClaim>(PVCS).store.list()) {
    const name = pvc.metadata?.name ?? '';
    if (pvc.metadata?.namespace !== ctx.namespace || inUse.has(name)) continue;
    const scratch = (pvc.metadata.ownerReferences ?? []).some((o) => cloneUids.has(o.uid));
    if (scratch || pvc.metadata.labels?.[LABEL_PLAN] === ctx.plan.metadata.name) {
      left++;
      await ctx.remove(PVCS, name);
    }
  }
  return left === 0 ? done('the original was released') : wait(`releasing the original (${String(left)} objects left)`);
}
