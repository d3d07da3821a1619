// What an imported disk's first block says about the OS on it, and what the simulated guest agent
// reads back from a VMI's disks: a real agent reports /etc/os-release of the booted root; the
// sandbox's disks are files whose first 4 KiB hold that text (written by the CDI import). Copies of
// the disk (snapshots, clones, restores) carry it along. The workload never writes the first block.
import { open } from 'node:fs/promises';
import type { GuestOSInfo, VirtualMachineInstance } from '../../../kubevirt/types.ts';
import { pvcFile } from '../storage/paths.ts';
import type { RegistryImage } from './registry.ts';

export const OS_RELEASE_BLOCK = 4096;
const MAGIC = 'VAPP-SIM-DISK\n';

/** The first block of a disk imported from `image`. */
export function osReleaseBlock(image: RegistryImage): Buffer {
  const pretty = `${image.osId.charAt(0).toUpperCase()}${image.osId.slice(1)} ${image.version} (sandbox)`;
  const text = `${MAGIC}ID=${image.osId}\nVERSION_ID=${image.version}\nPRETTY_NAME="${pretty}"\nIMAGE=${image.repository}@${image.digest}\n`;
  const block = Buffer.alloc(OS_RELEASE_BLOCK);
  block.write(text, 'utf8');
  return block;
}

/** The guest OS fields a disk's first block states, or undefined when it holds none. */
export function parseOsRelease(block: Buffer): Partial<GuestOSInfo> | undefined {
  const text = block.toString('utf8').replace(/\0.*$/s, '');
  if (!text.startsWith(MAGIC)) return undefined;
  const fields = new Map(
    text
      .slice(MAGIC.length)
      .split('\n')
      .map((l) => l.split('=', 2) as [string, string | undefined])
      .filter((kv): kv is [string, string] => kv[1] !== undefined)
      .map(([k, v]) => [k, v.replace(/^"|"$/g, '')]),
  );
  const id = fields.get('ID');
  const version = fields.get('VERSION_ID');
  return {
    ...(id === undefined ? {} : { id, name: id }),
    ...(version === undefined ? {} : { version, versionId: version }),
    ...(fields.has('PRETTY_NAME') ? { prettyName: fields.get('PRETTY_NAME') ?? '' } : {}),
  };
}

/** The first block of a file, if it exists. */
async function firstBlock(file: string): Promise<Buffer | undefined> {
  try {
    const handle = await open(file, 'r');
    try {
      const buf = Buffer.alloc(OS_RELEASE_BLOCK);
      await handle.read(buf, 0, OS_RELEASE_BLOCK, 0);
      return buf;
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}

/**
 * For the guest agent: the os-release of the first PVC or DataVolume volume of the VMI whose disk
 * states one (the root disk the guest booted), or undefined.
 */
export function guestOsFromDisks(volumesDir: string) {
  return async (vmi: VirtualMachineInstance): Promise<Partial<GuestOSInfo> | undefined> => {
    const namespace = vmi.metadata?.namespace ?? '';
    for (const volume of vmi.spec.volumes ?? []) {
      const claim = volume.persistentVolumeClaim?.claimName ?? volume.dataVolume?.name;
      if (claim === undefined) continue;
      const block = await firstBlock(pvcFile(volumesDir, namespace, claim));
      const info = block === undefined ? undefined : parseOsRelease(block);
      if (info !== undefined) return info;
    }
    return undefined;
  };
}
