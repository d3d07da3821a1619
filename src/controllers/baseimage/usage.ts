// Who uses each version of a base image, across every watched namespace: the appliances serving
// from it, the stopped originals kept for a rollback, the clones of plans in flight, the plans that
// rebase from or to it, DataVolumes still cloning from it, snapshots of VMs on it, and VMs outside
// any appliance that refer to it. A member whose version is unknown holds every version that was
// current while its root disk existed. Pure.
import {
  LABEL_APPLIANCE,
  LABEL_MEMBER,
  LABEL_SLOT,
  TERMINAL_PHASES,
  type MaintenancePlan,
  type VersionStatus,
  type VersionUsage,
  type VirtualAppliance,
} from '../../api/v1alpha1/index.ts';
import type { VirtualMachine } from '../../kubevirt/types.ts';
import {
  diskEvidence,
  findVersion,
  imageKey,
  provenanceOf,
  type Provenance,
  type VersionCatalog,
} from '../shared/provenance.ts';
import type { BaseImageFacts } from './facts.ts';

/** Label on every object a plan creates (the maintenance controller's names.ts). */
const LABEL_PLAN = 'vapp.dev/plan';

export type UsageKind = keyof VersionUsage;

/** The usage of one version: counts and who, in the order found. */
export interface Tally {
  readonly usage: VersionUsage;
  readonly holders: readonly string[];
}

export interface UsageReport {
  /** By version id. */
  readonly byVersion: ReadonlyMap<string, Tally>;
  /** What the guests of VMs known exactly to run a version report in spec.guestOS.field, by version. */
  readonly guestReports: ReadonlyMap<string, readonly string[]>;
}

const EMPTY: VersionUsage = {
  appliances: 0,
  retainedOriginals: 0,
  snapshots: 0,
  plans: 0,
  inFlightClones: 0,
  otherVMs: 0,
  unknown: 0,
};

export function usageOf(catalog: VersionCatalog, facts: BaseImageFacts): UsageReport {
  const counts = new Map<string, { usage: VersionUsage; holders: string[]; appliances: Set<string> }>();
  const entry = (version: string) => {
    let e = counts.get(version);
    if (e === undefined) counts.set(version, (e = { usage: { ...EMPTY }, holders: [], appliances: new Set() }));
    return e;
  };
  const hold = (version: string, kind: UsageKind, holder: string): void => {
    const e = entry(version);
    e.usage = { ...e.usage, [kind]: e.usage[kind] + 1 };
    e.holders.push(holder);
  };
  const guestReports = new Map<string, string[]>();
  const byVm = new Map<string, string>();
  const appliances = new Map(
    facts.appliances.map((a) => [`${a.metadata.namespace ?? ''}/${a.metadata.name ?? ''}`, a]),
  );
  const plans = new Map(facts.plans.map((p) => [`${p.metadata.namespace ?? ''}/${p.metadata.name ?? ''}`, p]));

  for (const vm of facts.vms) {
    const ns = vm.metadata?.namespace ?? '';
    const name = vm.metadata?.name ?? '';
    if (vm.metadata?.deletionTimestamp !== undefined) continue;
    const labels = vm.metadata?.labels ?? {};
    const appliance =
      labels[LABEL_APPLIANCE] === undefined ? undefined : appliances.get(`${ns}/${labels[LABEL_APPLIANCE]}`);
    const member = appliance?.spec.members.find((m) => m.name === labels[LABEL_MEMBER]);
    const declared =
      member?.baseImage !== undefined && imageKey(member.baseImage.ref, ns) === catalog.image
        ? member.baseImage
        : undefined;
    if (appliance !== undefined && member !== undefined && declared !== undefined) {
      const p = provenanceOf({
        catalog,
        vm,
        ...(facts.vmiOf(ns, name) ? { vmi: facts.vmiOf(ns, name) } : {}),
        volume: declared.volume,
        lookup: facts.objects,
      });
      const role = roleOf(vm, appliance, plans);
      const what = `${ns}/${appliance.metadata.name ?? ''}`;
      if (p.version === undefined) {
        for (const v of heldWhileUnknown(catalog.versions, rootCreated(vm, declared.volume, facts)))
          hold(v.version, 'unknown', `VM ${ns}/${name} (member ${member.name} of ${what}: version unknown)`);
        continue;
      }
      byVm.set(`${ns}/${name}`, p.version);
      report(guestReports, p);
      if (role.kind === 'serving') {
        const e = entry(p.version);
        const holder = `appliance ${what}`;
        if (!e.appliances.has(what)) {
          e.appliances.add(what);
          e.usage = { ...e.usage, appliances: e.usage.appliances + 1 };
          e.holders.push(`${holder} (${member.name})`);
        } else {
          const i = e.holders.findIndex((h) => h.startsWith(`${holder} (`));
          if (i >= 0) e.holders[i] = `${(e.holders[i] ?? '').slice(0, -1)}, ${member.name})`;
        }
      } else if (role.kind === 'clone') {
        hold(p.version, 'inFlightClones', `VM ${ns}/${name} (clone of plan ${role.plan})`);
      } else {
        hold(
          p.version,
          'retainedOriginals',
          `VM ${ns}/${name} (stopped copy of ${what} ${member.name}${role.plan === undefined ? '' : `, kept by plan ${role.plan}`})`,
        );
      }
      continue;
    }
    // Any other VM: a volume made from a version, or the VM's own statement.
    const version = otherVmVersion(catalog, vm, facts);
    if (version === undefined) continue;
    byVm.set(`${ns}/${name}`, version);
    const where =
      appliance !== undefined
        ? ` (member ${labels[LABEL_MEMBER] ?? ''} of ${ns}/${appliance.metadata.name ?? ''}, which does not declare this baseImage)`
        : '';
    hold(version, 'otherVMs', `VM ${ns}/${name}${where}`);
  }

  // DataVolumes still cloning from an import (or through the DataSource, which clones the latest).
  for (const dv of facts.dataVolumes) {
    if (dv.status?.phase === 'Succeeded' || dv.metadata?.deletionTimestamp !== undefined) continue;
    const ns = dv.metadata?.namespace ?? '';
    const src = dv.spec.source?.pvc ?? dv.spec.source?.snapshot;
    let version: string | undefined;
    if (src !== undefined) {
      version = catalog.versions.find(
        (v) =>
          v.source !== undefined &&
          v.source.kind !== 'ContainerImage' &&
          (v.source.namespace ?? catalog.namespace) === (src.namespace || ns) &&
          v.source.name === src.name,
      )?.version;
    } else if (dv.spec.sourceRef?.kind === 'DataSource' && facts.image.spec.source.dataSource !== undefined) {
      const dsNs = dv.spec.sourceRef.namespace ?? ns;
      if (dsNs === catalog.namespace && dv.spec.sourceRef.name === facts.image.spec.source.dataSource.name)
        version = facts.image.status?.latest?.version;
    }
    if (version !== undefined)
      hold(version, 'inFlightClones', `DataVolume ${ns}/${dv.metadata?.name ?? ''} (${dv.status?.phase ?? 'cloning'})`);
  }

  // Plans in flight that rebase onto a version, or away from one.
  for (const plan of facts.plans) {
    const phase = plan.status?.phase;
    if (phase !== undefined && TERMINAL_PHASES.includes(phase)) continue;
    const ns = plan.metadata.namespace ?? '';
    const target = plan.spec.baseImage;
    if (target === undefined || imageKey(target.ref, ns) !== catalog.image) continue;
    const name = `${ns}/${plan.metadata.name ?? ''}`;
    const to = findVersion(catalog, target.version);
    if (to !== undefined) hold(to.version, 'plans', `plan ${name} (rebase to ${to.displayVersion})`);
    const froms = new Set((plan.status?.preview?.rebases ?? []).map((r) => r.from));
    for (const from of froms) {
      const v = findVersion(catalog, from);
      if (v !== undefined && v.version !== to?.version)
        hold(v.version, 'plans', `plan ${name} (rebase from ${v.displayVersion})`);
    }
  }

  // Snapshots of VMs on a version.
  for (const snap of facts.vmSnapshots) {
    if (snap.metadata?.deletionTimestamp !== undefined) continue;
    const ns = snap.metadata?.namespace ?? '';
    const version = byVm.get(`${ns}/${snap.spec.source.name}`);
    if (version !== undefined)
      hold(
        version,
        'snapshots',
        `VirtualMachineSnapshot ${ns}/${snap.metadata?.name ?? ''} (of VM ${snap.spec.source.name})`,
      );
  }

  const byVersion = new Map<string, Tally>();
  for (const [version, e] of counts) byVersion.set(version, { usage: e.usage, holders: e.holders });
  return { byVersion, guestReports };
}

/** The total of a usage. */
export function usageTotal(u: VersionUsage): number {
  return u.appliances + u.retainedOriginals + u.snapshots + u.plans + u.inFlightClones + u.otherVMs + u.unknown;
}

type Role =
  | { readonly kind: 'serving' }
  | { readonly kind: 'clone'; readonly plan: string }
  | { readonly kind: 'retained'; readonly plan?: string };

/**
 * A member VM serves when it is in the appliance's active slot. In the other slot it is a clone of a
 * plan still before its cut-over, else a stopped copy kept for a rollback (the original after a
 * cut-over, or a failed clone kept for inspection).
 */
function roleOf(vm: VirtualMachine, appliance: VirtualAppliance, plans: ReadonlyMap<string, MaintenancePlan>): Role {
  const labels = vm.metadata?.labels ?? {};
  const active = appliance.status?.activeSlot ?? 'blue';
  const slot = labels[LABEL_SLOT];
  if (slot === undefined || slot === active) return { kind: 'serving' };
  const ns = vm.metadata?.namespace ?? '';
  const planName = labels[LABEL_PLAN];
  const plan = planName === undefined ? undefined : plans.get(`${ns}/${planName}`);
  const phase = plan?.status?.phase;
  if (
    plan !== undefined &&
    (phase === undefined || !TERMINAL_PHASES.includes(phase)) &&
    plan.status?.cutOver?.servicesSwitchedAt === undefined
  )
    return { kind: 'clone', plan: `${ns}/${planName ?? ''}` };
  const keeper = appliance.status?.activePlan;
  return keeper === undefined || keeper === '' ? { kind: 'retained' } : { kind: 'retained', plan: `${ns}/${keeper}` };
}

/** The version a VM outside the image's appliances uses: a disk made from one, or its own annotation. */
function otherVmVersion(catalog: VersionCatalog, vm: VirtualMachine, facts: BaseImageFacts): string | undefined {
  for (const volume of vm.spec.template.spec?.volumes ?? []) {
    const found = diskEvidence(catalog, vm, volume, facts.objects).found;
    if (found?.version !== undefined) return found.version;
  }
  const a = vm.metadata?.annotations ?? {};
  if (a['base.vapp.dev/image'] === catalog.image && a['base.vapp.dev/version'] !== undefined)
    return findVersion(catalog, a['base.vapp.dev/version'])?.version;
  return undefined;
}

/** When the root disk behind a member's volume was made (the PVC's creation), if known. */
function rootCreated(vm: VirtualMachine, volume: string, facts: BaseImageFacts): string | undefined {
  const ns = vm.metadata?.namespace ?? '';
  const v = vm.spec.template.spec?.volumes?.find((x) => x.name === volume);
  const claim = v?.persistentVolumeClaim?.claimName ?? v?.dataVolume?.name;
  if (claim === undefined) return undefined;
  const created = facts.objects.pvc(ns, claim)?.metadata?.creationTimestamp;
  return created === undefined ? undefined : new Date(created).toISOString();
}

/** The versions a root disk of unknown version may run: those not superseded before the disk was made. */
export function heldWhileUnknown(versions: readonly VersionStatus[], created: string | undefined): VersionStatus[] {
  return versions.filter(
    (v) =>
      v.state !== 'Released' &&
      (created === undefined || v.supersededAt === undefined || Date.parse(v.supersededAt) > Date.parse(created)),
  );
}

function report(reports: Map<string, string[]>, p: Provenance): void {
  if (p.version === undefined || p.guestOS === undefined || p.determinedBy === 'GuestOS') return;
  const list = reports.get(p.version) ?? [];
  list.push(p.guestOS);
  reports.set(p.version, list);
}
