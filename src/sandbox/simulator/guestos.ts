// What the simulated guest agent reports in VMI status.guestOSInfo. A real agent reads the guest's
// /etc/os-release and uname; the simulator has no guest, so it takes the fields from the template
// annotation sim.vapp.dev/guest-os (JSON), then from the os-release an imported disk states
// (cdi/os-release.ts, passed in as `disk`), and for the version falls back to the tag of the first
// containerDisk image: updating a VM's root image therefore "updates its OS", as in real life.
import type { GuestOSInfo, VirtualMachineInstance } from '../../kubevirt/types.ts';
import { SIM_ANNOTATIONS } from './annotations.ts';

const FIELDS = [
  'id',
  'name',
  'prettyName',
  'version',
  'versionId',
  'kernelRelease',
  'kernelVersion',
  'machine',
] as const;

/** The guest OS info plus a warning when the annotation could not be used. */
export interface GuestOsResult {
  readonly info: GuestOSInfo;
  readonly warning?: string;
}

export function guestOsInfoFor(vmi: VirtualMachineInstance, disk?: Partial<GuestOSInfo>): GuestOsResult {
  const versionId = imageTag(firstContainerDiskImage(vmi));
  const derived: GuestOSInfo = {
    id: 'sandbox',
    name: 'Sandbox Linux',
    prettyName: versionId ? `Sandbox Linux ${versionId}` : 'Sandbox Linux',
    ...(versionId ? { version: versionId, versionId } : {}),
    kernelRelease: '6.12.0-sandbox',
    kernelVersion: '#1 SMP PREEMPT_DYNAMIC',
    machine: 'x86_64',
    ...disk,
  };
  const raw = vmi.metadata?.annotations?.[SIM_ANNOTATIONS.guestOs];
  if (raw === undefined) return { info: derived };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { info: derived, warning: `${SIM_ANNOTATIONS.guestOs} is not JSON` };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { info: derived, warning: `${SIM_ANNOTATIONS.guestOs} is not a JSON object` };
  }
  const info: Record<string, string> = { ...(derived as Record<string, string>) };
  for (const field of FIELDS) {
    const value = (parsed as Record<string, unknown>)[field];
    if (typeof value === 'string') info[field] = value;
    else if (typeof value === 'number') info[field] = String(value);
  }
  return { info };
}

function firstContainerDiskImage(vmi: VirtualMachineInstance): string | undefined {
  return vmi.spec.volumes?.find((v) => v.containerDisk !== undefined)?.containerDisk?.image;
}

/** The tag of an image reference (`repo/name:tag[@digest]`), or undefined when it has none. */
export function imageTag(image: string | undefined): string | undefined {
  if (image === undefined) return undefined;
  const withoutDigest = image.split('@', 1)[0] ?? '';
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  // A colon before the last slash belongs to a registry port (registry:5000/app), not a tag.
  return colon > lastSlash ? withoutDigest.slice(colon + 1) || undefined : undefined;
}
