// The rebase of the clone onto a new version of its base image (spec.baseImage, status.preview.rebases),
// called by the Update step. With update.replace, while the clone is halted, each rebased member's
// root volume is replaced by a new disk: a DataVolume cloned from the target version's import,
// named by its PVC or VolumeSnapshot in spec.source (never spec.sourceRef: CDI re-resolves a
// DataSource until the clone is done, so the version could change under the plan), at least as
// large as the old root and the import (a VolumeSnapshot's restoreSize), and annotated with its
// provenance, as is the clone VM. With update.job an update Job upgrades the running clone in place.
// Afterwards, when the BaseImage names a guestOS field, the guest must report the target version.
import type { V1Job, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import {
  LABEL_MEMBER,
  type BaseImage,
  type JobTemplate,
  type Member,
  type Rebase,
  type VersionStatus,
} from '../../../api/v1alpha1/index.ts';
import { claimOf } from '../../../kubevirt/vm.ts';
import type { DataVolume, VirtualMachine } from '../../../kubevirt/types.ts';
import { jobState } from '../../../runtime/job-state.ts';
import { parseQuantity } from '../../../runtime/quantity.ts';
import { provenanceAnnotations } from '../../shared/provenance.ts';
import type { ClusterIO } from '../cluster-io.ts';
import { timedOut, type StepFacts } from '../facts.ts';
import { LABEL_UPDATE } from '../names.ts';
import { done, failed, wait, type StepOutcome } from '../outcome.ts';
import { DATA_VOLUMES, JOBS, PVCS, VMIS, VMS } from '../resources.ts';

/** The rebases of the plan with their member and versions, or why one cannot be done. */
interface RebaseWork {
  readonly rebase: Rebase;
  readonly member: Member;
  readonly to: VersionStatus;
  readonly from?: VersionStatus;
}

function work(facts: StepFacts): RebaseWork[] | StepOutcome {
  const rebases = facts.status.preview?.rebases ?? [];
  if (rebases.length === 0) return [];
  const image = facts.baseImage !== undefined && 'image' in facts.baseImage ? facts.baseImage.image : undefined;
  if (image === undefined) {
    const why = facts.baseImage !== undefined && 'problem' in facts.baseImage ? facts.baseImage.problem : 'it is gone';
    return failed('BaseImageNotFound', `the plan rebases onto spec.baseImage, but ${why}`);
  }
  const versions = image.status?.versions ?? [];
  const out: RebaseWork[] = [];
  for (const rebase of rebases) {
    const member = facts.appliance.spec.members.find((m) => m.name === rebase.member);
    const to = versions.find((v) => v.version === rebase.to);
    if (member?.baseImage === undefined)
      return failed('NoBaseImage', `member ${rebase.member} no longer declares spec.members[].baseImage`);
    if (to === undefined || to.state === 'Released' || to.state === 'Missing' || to.state === 'Releasing')
      return failed(
        'BaseImageVersionMissing',
        `version ${rebase.toDisplay ?? rebase.to} of ${rebase.image} is ${to?.state ?? 'no longer listed'}`,
      );
    const from = versions.find((v) => v.version === rebase.from);
    out.push({ rebase, member, to, ...(from ? { from } : {}) });
  }
  return out;
}

/** Replaces the root volume of every member rebased with update.replace, while the clone is halted. Done when all are replaced. */
export async function replaceRootDisks(facts: StepFacts, io: ClusterIO): Promise<StepOutcome> {
  const all = work(facts);
  if (!Array.isArray(all)) return all;
  let replaced = 0;
  const replacing = all.filter((w) => w.member.baseImage?.update.replace !== undefined);
  for (const w of replacing) {
    const vm = io.vmOf(w.member.name, facts.toSlot);
    if (vm === undefined) return failed('CloneNotFound', `member ${w.member.name}: the clone VM is missing`);
    const outcome = await replaceRoot(facts, io, vm, w);
    if (outcome.kind !== 'done') {
      return outcome.kind === 'wait'
        ? { ...outcome, progress: `${String(replaced)}/${String(replacing.length)} root disks` }
        : outcome;
    }
    replaced++;
  }
  return done();
}

async function replaceRoot(facts: StepFacts, io: ClusterIO, vm: VirtualMachine, w: RebaseWork): Promise<StepOutcome> {
  const { rebase, to } = w;
  const vmName = vm.metadata?.name ?? '';
  const volumes = vm.spec.template.spec?.volumes ?? [];
  const index = volumes.findIndex((v) => v.name === rebase.volume);
  const volume = volumes[index];
  if (volume === undefined)
    return failed(
      'RootVolumeNotFound',
      `member ${w.member.name}: the clone VM ${vmName} has no volume ${rebase.volume}`,
    );
  const source = to.source;
  const annotations = provenanceAnnotations(rebase.image, to.version, sourceAnnotation(to));
  if (source?.kind === 'ContainerImage') {
    // A containerDisk base: the clone's volume points at the version's image.
    if (volume.containerDisk === undefined)
      return failed(
        'RootVolumeNotContainerDisk',
        `member ${w.member.name}: volume ${rebase.volume} of ${vmName} is not a containerDisk`,
      );
    if (volume.containerDisk.image !== source.name) {
      await io.patch(
        VMS,
        vmName,
        [
          {
            op: 'replace',
            path: `/spec/template/spec/volumes/${String(index)}/containerDisk/image`,
            value: source.name,
          },
        ],
        { json: true },
      );
    }
    return annotateVm(io, vm, annotations);
  }
  if (source === undefined)
    return failed(
      'BaseImageVersionHasNoSource',
      `version ${to.displayVersion} of ${rebase.image} has no PVC or VolumeSnapshot to clone from`,
    );
  const dvName = facts.names.rootDisk(w.member.name);
  if (volume.dataVolume?.name === dvName) return annotateVm(io, vm, annotations);
  const dv = io.get(DATA_VOLUMES, dvName);
  if (dv === undefined) {
    const old = claimOf(vm, rebase.volume);
    await io.create(
      DATA_VOLUMES,
      rootDiskManifest(facts, w, dvName, old === undefined ? undefined : io.get(PVCS, old)),
    );
    return wait(
      `root disk ${dvName} of member ${w.member.name} created from ${source.kind} ${source.namespace ?? ''}/${source.name}`,
    );
  }
  const phase = dv.status?.phase;
  if (phase === 'Failed') {
    const why = dv.status?.conditions?.find((c) => c.status === 'False' && c.message)?.message ?? 'no reason given';
    return failed('RootDiskFailed', `root disk ${dvName} of member ${w.member.name} failed: ${why}`);
  }
  if (phase !== 'Succeeded') {
    return timedOut(facts)
      ? failed(
          'RootDiskTimeout',
          `root disk ${dvName} of member ${w.member.name} was not ready in time (${phase ?? 'no phase'})`,
        )
      : wait(`root disk ${dvName} of member ${w.member.name} is ${phase ?? 'pending'}`);
  }
  // The clone's root is now the new disk; the restored copy it had is left to the release step.
  const patch: unknown[] = [
    {
      op: 'replace',
      path: `/spec/template/spec/volumes/${String(index)}`,
      value: { name: rebase.volume, dataVolume: { name: dvName } },
    },
  ];
  const old = claimOf(vm, rebase.volume);
  const template = (vm.spec.dataVolumeTemplates ?? []).findIndex((t) => t.metadata?.name === old);
  if (template >= 0) patch.push({ op: 'remove', path: `/spec/dataVolumeTemplates/${String(template)}` });
  await io.patch(VMS, vmName, patch, { json: true });
  await io.patch(VMS, vmName, { metadata: { annotations } });
  return wait(`member ${w.member.name}: the clone's root volume ${rebase.volume} is now ${dvName}`, {
    requeueAfterMs: 1,
  });
}

async function annotateVm(
  io: ClusterIO,
  vm: VirtualMachine,
  annotations: Record<string, string>,
): Promise<StepOutcome> {
  const current = vm.metadata?.annotations ?? {};
  if (Object.entries(annotations).some(([k, v]) => current[k] !== v))
    await io.patch(VMS, vm.metadata?.name ?? '', { metadata: { annotations } });
  return done();
}

type AccessMode = NonNullable<NonNullable<DataVolume['spec']['storage']>['accessModes']>[number];

/** The new root disk: a DataVolume cloned from the pinned import, sized for the larger of the old root and the import. */
export function rootDiskManifest(
  facts: Pick<StepFacts, 'namespace' | 'labels' | 'owner'>,
  w: Pick<RebaseWork, 'rebase' | 'member' | 'to'>,
  name: string,
  oldRoot: V1PersistentVolumeClaim | undefined,
): DataVolume {
  const source = w.to.source;
  const ref = { namespace: source?.namespace ?? '', name: source?.name ?? '' };
  const sizes = [oldRoot?.status?.capacity?.storage, oldRoot?.spec?.resources?.requests?.storage, source?.size].filter(
    (s): s is string => s !== undefined,
  );
  const size = sizes.reduce<string | undefined>(
    (max, s) => (max === undefined || bytes(s) > bytes(max) ? s : max),
    undefined,
  );
  const spec = oldRoot?.spec;
  return {
    apiVersion: 'cdi.kubevirt.io/v1beta1',
    kind: 'DataVolume',
    metadata: {
      name,
      namespace: facts.namespace,
      labels: { ...facts.labels, [LABEL_MEMBER]: w.member.name },
      annotations: provenanceAnnotations(w.rebase.image, w.to.version, sourceAnnotation(w.to)),
      ownerReferences: [facts.owner],
    },
    spec: {
      source: source?.kind === 'VolumeSnapshot' ? { snapshot: ref } : { pvc: ref },
      storage: {
        ...(spec?.accessModes ? { accessModes: spec.accessModes as AccessMode[] } : {}),
        ...(spec?.volumeMode ? { volumeMode: spec.volumeMode as 'Block' | 'Filesystem' } : {}),
        ...(spec?.storageClassName ? { storageClassName: spec.storageClassName } : {}),
        ...(size === undefined ? {} : { resources: { requests: { storage: size } } }),
      },
    },
  };
}

function bytes(quantity: string): number {
  try {
    return parseQuantity(quantity, 'size');
  } catch {
    return 0;
  }
}

/** `<Kind>/<namespace>/<name>` of the version's object, as the base.vapp.dev/source annotation. */
function sourceAnnotation(v: VersionStatus): string | undefined {
  const s = v.source;
  if (s === undefined) return undefined;
  return s.kind === 'ContainerImage' ? `ContainerImage/${s.name}` : `${s.kind}/${s.namespace ?? ''}/${s.name}`;
}

/** Runs the update Job of every member rebased with update.job, against the running clone. */
export async function runRebaseJobs(facts: StepFacts, io: ClusterIO): Promise<StepOutcome> {
  const all = work(facts);
  if (!Array.isArray(all)) return all;
  const jobs = all.filter((w) => w.member.baseImage?.update.job !== undefined);
  let finished = 0;
  for (const w of jobs) {
    const name = facts.names.updateJob(w.member.name, 'base-image');
    const job = io.get(JOBS, name);
    const template = w.member.baseImage?.update.job?.template;
    if (job === undefined && template !== undefined) {
      await io.create(JOBS, rebaseJob(facts, w, name, template));
      return wait(`rebase Job ${name} created`, { progress: `${String(finished)}/${String(jobs.length)} rebase Jobs` });
    }
    if (job === undefined) continue;
    const state = jobState(job);
    if (state === 'Failed') return failed('UpdateJobFailed', `rebase Job ${name} of member ${w.member.name} failed`);
    if (state !== 'Complete') {
      return timedOut(facts)
        ? failed('UpdateJobTimeout', `rebase Job ${name} did not finish in time`)
        : wait(`rebase Job ${name} is running`, { progress: `${String(finished)}/${String(jobs.length)} rebase Jobs` });
    }
    const vm = io.vmOf(w.member.name, facts.toSlot);
    if (vm !== undefined)
      await annotateVm(io, vm, provenanceAnnotations(w.rebase.image, w.to.version, sourceAnnotation(w.to)));
    finished++;
  }
  return done();
}

function rebaseJob(facts: StepFacts, w: RebaseWork, name: string, jobTemplate: JobTemplate): V1Job {
  const template = structuredClone(jobTemplate) as {
    metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    spec?: V1Job['spec'];
  };
  const env = [
    { name: 'VAPP_VM', value: facts.names.cloneVm(w.member.name) },
    { name: 'VAPP_COMPONENT', value: `base:${w.rebase.image}` },
    { name: 'VAPP_FROM', value: w.rebase.from },
    { name: 'VAPP_TO', value: w.rebase.to },
  ];
  const spec = template.spec;
  for (const container of spec?.template.spec?.containers ?? []) container.env = [...(container.env ?? []), ...env];
  const labels = { ...facts.labels, [LABEL_MEMBER]: w.member.name, [LABEL_UPDATE]: 'true' };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
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

/**
 * After the rebase, with the BaseImage's spec.guestOS: every rebased member's guest must report the
 * target version's value; when that value is not known yet, it must at least differ from the
 * value of the version the member ran before.
 */
export function checkGuestVersions(facts: StepFacts, io: ClusterIO): StepOutcome {
  const all = work(facts);
  if (!Array.isArray(all)) return all;
  const image: BaseImage | undefined =
    facts.baseImage !== undefined && 'image' in facts.baseImage ? facts.baseImage.image : undefined;
  const field = image?.spec.guestOS?.field;
  if (field === undefined) return done();
  for (const w of all) {
    const vm = io.vmOf(w.member.name, facts.toSlot);
    if (vm === undefined) return failed('CloneNotFound', `member ${w.member.name}: the clone VM is missing`);
    const vmName = vm.metadata?.name ?? '';
    const reported = io.get(VMIS, vmName)?.status?.guestOSInfo?.[field];
    if (reported === undefined || reported === '') {
      return timedOut(facts)
        ? failed(
            'GuestOSUnreadable',
            `member ${w.member.name}: the guest agent of ${vmName} reported no ${field} after the rebase`,
          )
        : wait(`waiting for the guest agent of ${vmName} to report its ${field}`);
    }
    const expected = w.to.guestOS;
    if (expected !== undefined && reported !== expected) {
      return failed(
        'GuestOSMismatch',
        `member ${w.member.name}: the guest reports ${field} ${reported} after the rebase, not ${expected} of version ${w.to.displayVersion}`,
      );
    }
    if (expected === undefined && w.from?.guestOS !== undefined && reported === w.from.guestOS) {
      return failed(
        'GuestOSMismatch',
        `member ${w.member.name}: the guest still reports ${field} ${reported} of version ${w.from.displayVersion} after the rebase to ${w.to.displayVersion}`,
      );
    }
  }
  return done();
}
