// Reads a component's live level from one of its three sources. Pure: the caller passes the VM
// (and its VMI, for the guest agent's report).
import { ANNOTATION_LEVELS, type LevelSource } from '../api/v1alpha1/index.ts';
import type { VirtualMachine, VirtualMachineInstance } from './types.ts';
import { readLevels } from '../api/v1alpha1/levels-annotation.ts';
import { imageTag } from './image-tag.ts';

/** A level, or why it cannot be read. */
export type LevelReading = { readonly level: string } | { readonly problem: string };

export function readLevel(
  source: LevelSource,
  component: string,
  vm: VirtualMachine,
  vmi: VirtualMachineInstance | undefined,
): LevelReading {
  const vmName = vm.metadata?.name ?? '';
  if (source.annotation) return fromAnnotation(component, vm, vmName);
  if (source.image) return fromImage(source.image.volume, vm, vmName);
  if (source.guestOS) {
    const info = vmi?.status?.guestOSInfo;
    if (info === undefined)
      return {
        problem: `VM ${vmName} has no guest agent report (VMI status.guestOSInfo): is it running with the guest agent?`,
      };
    const value = info[source.guestOS.field];
    if (value === undefined || value === '')
      return { problem: `the guest agent of VM ${vmName} reports no ${source.guestOS.field}` };
    return { level: value };
  }
  return { problem: 'no level source' };
}

function fromAnnotation(component: string, vm: VirtualMachine, vmName: string): LevelReading {
  const reading = readLevels(vm.metadata?.annotations?.[ANNOTATION_LEVELS]);
  if ('problem' in reading) return { problem: `VM ${vmName}: ${reading.problem}` };
  const level = reading.levels[component];
  if (level === undefined || level === '') {
    return { problem: `VM ${vmName} annotation ${ANNOTATION_LEVELS} has no level for ${component}` };
  }
  return { level };
}

function fromImage(volumeName: string, vm: VirtualMachine, vmName: string): LevelReading {
  const volume = vm.spec.template.spec?.volumes?.find((v) => v.name === volumeName);
  if (volume === undefined) return { problem: `VM ${vmName} has no volume ${volumeName}` };
  let reference: string | undefined;
  if (volume.containerDisk) {
    reference = volume.containerDisk.image;
  } else if (volume.dataVolume) {
    const dvName = volume.dataVolume.name;
    const template = vm.spec.dataVolumeTemplates?.find((t) => t.metadata?.name === dvName);
    reference = template?.spec.source?.registry?.url;
    if (reference === undefined)
      return { problem: `volume ${volumeName} of VM ${vmName} is not a registry DataVolume template` };
  } else {
    return { problem: `volume ${volumeName} of VM ${vmName} is neither a containerDisk nor a DataVolume` };
  }
  const tag = imageTag(reference);
  if (tag === undefined) return { problem: `image ${reference} of VM ${vmName} volume ${volumeName} has no tag` };
  return { level: tag };
}
