// Step 8, inside the window: stop the original, copy the final delta, put the replicas in place of
// the clone's scratch data volumes, start the clone, and move every Service to the new slot.
// Every sub-step is observable (or recorded in status.cutOver), so a restarted operator resumes
// exactly where it was and never cuts over twice.
import type { StepContext } from '../context.ts';
import { done, failed, wait, type StepOutcome } from '../outcome.ts';
import { NETWORK_POLICIES, SERVICES, VMS } from '../resources.ts';
import { claimOf, dataVolumes, recordedRound, removeRound } from './sync.ts';
import { setActiveSlot, switchServices } from './traffic.ts';
import { startInOrder, stopAll, timedOut } from './vm-power.ts';

export async function cutOverStep(ctx: StepContext): Promise<StepOutcome> {
  const cut = ctx.effects.cutOver;
  if (cut.servicesSwitchedAt === undefined) {
    // 1. The clone stops first (it ran with scratch data), then the original: downtime starts.
    if (cut.originalStoppedAt === undefined) {
      const clonesStopped = await stopAll(ctx, ctx.toSlot);
      if (clonesStopped.kind !== 'done') return clonesStopped;
      cut.originalStoppedAt = ctx.now.toISOString();
    }
    const originalsStopped = await stopAll(ctx, ctx.fromSlot);
    if (originalsStopped.kind !== 'done')
      return timedOut(ctx) ? failed('OriginalDidNotStop', originalsStopped.message) : originalsStopped;

    // 2. The final delta, while nothing writes.
    const refs = dataVolumes(ctx);
    if (!Array.isArray(refs)) return refs;
    if (refs.length > 0) {
      cut.finalRound ??= ctx.effects.syncRounds.length + 1;
      for (const r of ctx.effects.syncRounds) if (r.round < cut.finalRound) await removeRound(ctx, refs, r.round);
      const final = await recordedRound(ctx, refs, cut.finalRound, (r) => {
        if (r.cutAt !== undefined) cut.finalSnapshotAt = r.cutAt;
      });
      if (final.kind !== 'done') return final;
    }

    // 3. The replicas replace the clone's scratch data volumes.
    for (const ref of refs) {
      const clone = ctx.vmOf(ref.member.name, ctx.toSlot);
      if (clone === undefined) return failed('CloneNotFound', `member ${ref.member.name}: the clone VM is missing`);
      const replica = ctx.names.replica(ref.member.name, ref.volume);
      if (claimOf(clone, ref.volume) === replica) continue;
      const index = (clone.spec.template.spec?.volumes ?? []).findIndex((v) => v.name === ref.volume);
      await ctx.patch(
        VMS,
        clone.metadata?.name ?? '',
        [
          {
            op: 'replace',
            path: `/spec/template/spec/volumes/${String(index)}`,
            value: { name: ref.volume, persistentVolumeClaim: { claimName: replica } },
          },
        ],
        { json: true },
      );
    }

    // 4. The clone leaves its isolation and starts in start order.
    if (ctx.get(NETWORK_POLICIES, ctx.names.networkPolicy) !== undefined)
      await ctx.remove(NETWORK_POLICIES, ctx.names.networkPolicy);
    const started = await startInOrder(ctx, ctx.toSlot);
    if (started.kind !== 'done')
      return timedOut(ctx)
        ? failed(
            'CloneNotReady',
            `the clone did not become ready in time: ${started.kind === 'wait' ? started.message : ''}`,
          )
        : started;

    // 5. Traffic moves: every Service, then the appliance's record of the serving slot.
    await switchServices(ctx, ctx.toSlot);
    cut.servicesSwitchedAt = ctx.now.toISOString();
  }
  await setActiveSlot(ctx, ctx.toSlot);
  // The final round's snapshot and copy are full-size volumes: gone once the clone serves from the replicas.
  if (cut.finalRound !== undefined) {
    const refs = dataVolumes(ctx);
    if (Array.isArray(refs)) await removeRound(ctx, refs, cut.finalRound);
  }
  for (const service of ctx.appliance.spec.services) {
    const preview = ctx.names.previewService(service);
    if (ctx.get(SERVICES, preview) !== undefined) await ctx.remove(SERVICES, preview);
  }
  if (cut.originalStoppedAt !== undefined) {
    ctx.effects.downtimeSeconds = Math.max(
      0,
      (Date.parse(cut.servicesSwitchedAt) - Date.parse(cut.originalStoppedAt)) / 1000,
    );
  }
  return ctx.appliance.status?.activeSlot === ctx.toSlot
    ? done(`the Services select slot ${ctx.toSlot}`)
    : wait('recording the new active slot on the appliance');
}
