// Updating: update the clone only. Image updates and rebased root disks (actions/rebase.ts) are
// applied while the clone is halted; then the clone VMs start in startOrder; then update Jobs run
// against the running clone; finally every updated component's level is read again from the clone
// and must equal its target, and a rebased guest must report its new version.
import type { V1Job } from '@kubernetes/client-node';
import {
  ANNOTATION_LEVELS,
  LABEL_MEMBER,
  type Component,
  type ComponentUpdate,
  type JobTemplate,
} from '../../../api/v1alpha1/index.ts';
import { readLevels, withLevel } from '../../../api/v1alpha1/levels-annotation.ts';
import { withTag } from '../../../kubevirt/image-tag.ts';
import { readLevel } from '../../../kubevirt/level-reader.ts';
import type { VirtualMachine } from '../../../kubevirt/types.ts';
import { jobState } from '../../../runtime/job-state.ts';
import { createJob } from '../actions/job-admission.ts';
import { checkGuestVersions, replaceRootDisks, runRebaseJobs } from '../actions/rebase.ts';
import { startInOrder } from '../actions/vm-power.ts';
import type { ClusterIO } from '../cluster-io.ts';
import { timedOut, type StepFacts } from '../facts.ts';
import { compareLevels } from '../level-compare.ts';
import { LABEL_UPDATE } from '../names.ts';
import { done, failed, wait, type StepOutcome } from '../outcome.ts';
import { JOBS, VMIS, VMS } from '../resources.ts';

export async function updateStep(facts: StepFacts, io: ClusterIO): Promise<StepOutcome> {
  const updates = facts.status.preview?.updates ?? [];
  // 1. Image updates, while the clone is still halted.
  for (const update of updates) {
    const component = componentOf(facts, update);
    const strategy = component?.update.image;
    if (component === undefined || strategy === undefined) continue;
    const vm = io.vmOf(update.member, facts.toSlot);
    if (vm === undefined) return failed('CloneNotFound', `member ${update.member}: the clone VM is missing`);
    const outcome = await applyImage(io, vm, component, strategy, update);
    if (outcome.kind !== 'done') return outcome;
  }
  // 1b. Rebased members get their new root disk, still halted.
  const replaced = await replaceRootDisks(facts, io);
  if (replaced.kind !== 'done') return replaced;
  // 2. Start the clone in start order.
  const started = await startInOrder(facts, io, facts.toSlot);
  if (started.kind !== 'done') {
    return timedOut(facts)
      ? failed(
          'CloneNotReady',
          `the clone did not become ready in time: ${started.kind === 'wait' ? started.message : ''}`,
        )
      : started;
  }
  // 3. Update Jobs, against the running clone.
  let jobsDone = 0;
  const jobUpdates = updates.filter((u) => componentOf(facts, u)?.update.job !== undefined);
  for (const update of jobUpdates) {
    const name = facts.names.updateJob(update.member, update.component);
    const job = io.get(JOBS, name);
    const template = componentOf(facts, update)?.update.job?.template;
    if (job === undefined && template !== undefined) {
      const refused = await createJob(io, updateJob(facts, update, template), 'update Job');
      if (refused !== undefined) return refused;
      return wait(`update Job ${name} created`, {
        progress: `${String(jobsDone)}/${String(jobUpdates.length)} update Jobs`,
      });
    }
    if (job === undefined) continue;
    const state = jobState(job);
    if (state === 'Failed')
      return failed('UpdateJobFailed', `update Job ${name} for ${update.member}/${update.component} failed`);
    if (state !== 'Complete') {
      return timedOut(facts)
        ? failed('UpdateJobTimeout', `update Job ${name} did not finish in time`)
        : wait(`update Job ${name} is running`, {
            progress: `${String(jobsDone)}/${String(jobUpdates.length)} update Jobs`,
          });
    }
    jobsDone++;
  }
  const rebaseJobs = await runRebaseJobs(facts, io);
  if (rebaseJobs.kind !== 'done') return rebaseJobs;
  // 4. Read every updated level again on the clone.
  for (const update of updates) {
    const component = componentOf(facts, update);
    const vm = io.vmOf(update.member, facts.toSlot);
    if (component === undefined || vm === undefined)
      return failed('CloneNotFound', `member ${update.member}: the clone VM is missing`);
    const vmi = io.get(VMIS, vm.metadata?.name ?? '');
    const reading = readLevel(component.level, component.name, vm, vmi);
    if (!('level' in reading)) {
      return timedOut(facts)
        ? failed('LevelUnreadable', reading.problem)
        : wait(`reading ${update.component} on the clone: ${reading.problem}`);
    }
    const cmp = compareLevels(reading.level, update.to, component.level);
    if ('problem' in cmp || cmp.order !== 0) {
      return failed(
        'LevelMismatch',
        `${update.member}/${update.component} is at ${reading.level} on the clone after the update, not ${update.to}`,
      );
    }
  }
  // 5. A rebased guest reports its new version.
  const guest = checkGuestVersions(facts, io);
  if (guest.kind !== 'done') return guest;
  const rebases = facts.status.preview?.rebases ?? [];
  return done(
    rebases.length === 0
      ? `${String(updates.length)} component(s) updated on the clone`
      : `${String(updates.length)} component(s) updated and ${String(rebases.length)} member(s) rebased onto ${rebases.map((r) => r.toDisplay ?? r.to).join(', ')} on the clone`,
  );
}

function componentOf(facts: Pick<StepFacts, 'appliance'>, update: ComponentUpdate): Component | undefined {
  return facts.appliance.spec.members
    .find((m) => m.name === update.member)
    ?.components.find((c) => c.name === update.component);
}

/** Points the clone's volume at repository:level (and records the level when it is read from the annotation). */
async function applyImage(
  io: ClusterIO,
  vm: VirtualMachine,
  component: Component,
  strategy: { readonly volume: string; readonly repository: string },
  update: ComponentUpdate,
): Promise<StepOutcome> {
  const volumes = vm.spec.template.spec?.volumes ?? [];
  const index = volumes.findIndex((v) => v.name === strategy.volume);
  const volume = volumes[index];
  if (volume?.containerDisk === undefined) {
    return failed(
      'UpdateNotApplicable',
      `${update.member}/${update.component}: volume ${strategy.volume} of the clone is not a containerDisk`,
    );
  }
  const image = withTag(strategy.repository, update.to);
  const name = vm.metadata?.name ?? '';
  if (volume.containerDisk.image !== image) {
    await io.patch(
      VMS,
      name,
      [{ op: 'replace', path: `/spec/template/spec/volumes/${String(index)}/containerDisk/image`, value: image }],
      { json: true },
    );
  }
  if (component.level.annotation !== undefined) {
    const raw = vm.metadata?.annotations?.[ANNOTATION_LEVELS];
    const reading = readLevels(raw);
    if (!('levels' in reading) || reading.levels[component.name] !== update.to) {
      await io.patch(VMS, name, {
        metadata: { annotations: { [ANNOTATION_LEVELS]: withLevel(raw, component.name, update.to) } },
      });
    }
  }
  return done();
}

function updateJob(facts: StepFacts, update: ComponentUpdate, jobTemplate: JobTemplate): V1Job {
  const template = structuredClone(jobTemplate) as {
    metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    spec?: V1Job['spec'];
  };
  const env = [
    { name: 'VAPP_VM', value: facts.names.cloneVm(update.member) },
    { name: 'VAPP_COMPONENT', value: update.component },
    { name: 'VAPP_FROM', value: update.from },
    { name: 'VAPP_TO', value: update.to },
  ];
  const spec = template.spec;
  const podSpec = spec?.template.spec;
  for (const container of podSpec?.containers ?? []) container.env = [...(container.env ?? []), ...env];
  const labels = { ...facts.labels, [LABEL_MEMBER]: update.member, [LABEL_UPDATE]: 'true' };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: facts.names.updateJob(update.member, update.component),
      namespace: facts.namespace,
      labels: { ...template.metadata?.labels, ...labels },
      annotations: template.metadata?.annotations ?? {},
      ownerReferences: [facts.owner],
    },
    spec: {
      ...spec,
      template: {
        ...spec?.template,
        metadata: { ...spec?.template.metadata, labels: { ...spec?.template.metadata?.labels, ...labels } },
      },
    },
  };
}
