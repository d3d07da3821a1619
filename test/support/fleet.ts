// A fleet of shops in one namespace for the rollout tests: the shop sample renamed per appliance
// (its component names kept), the rollout and its plans as a user reads them, and a watch that
// samples, on every event, how many of the plans hold a clone and how many cut over at that instant.
import { CoreV1Api, CustomObjectsApi, Watch, type KubeConfig } from '@kubernetes/client-node';
import type { MaintenancePlan, MaintenanceRollout, VirtualAppliance } from '../../src/api/v1alpha1/index.ts';
import type { KubeObject } from '../../src/runtime/object.ts';
import { applyManifests } from '../../src/sandbox/manifests.ts';
import { sandboxShop } from '../../src/sandbox/samples.ts';
import { waitFor } from './wait.ts';

const GROUP = { group: 'vapp.dev', version: 'v1alpha1' };
export const TERMINAL = new Set(['Succeeded', 'Failed', 'Aborted', 'RolledBack']);
/** Phases in which a plan holds a clone of its appliance. */
export const HOLDS_CLONE = new Set([
  'Cloning',
  'Updating',
  'Verifying',
  'Syncing',
  'WaitingForWindow',
  'WaitingForCutOverSlot',
  'CuttingOver',
  'Observing',
  'RollingBack',
]);
export const CUTTING_OVER = new Set(['CuttingOver', 'Observing', 'RollingBack']);

/** The shop sample as the appliance `name`: every object renamed, the component names kept. */
export function renamedShop(
  objects: readonly KubeObject[],
  name: string,
  labels: Record<string, string>,
): KubeObject[] {
  return objects.map((o) => {
    let text = JSON.stringify(o);
    for (const part of ['db-pgdata', 'db', 'app', 'web']) text = text.replaceAll(`"shop-${part}"`, `"${name}-${part}"`);
    text = text.replaceAll('"vapp.dev/appliance":"shop"', `"vapp.dev/appliance":"${name}"`);
    const obj = JSON.parse(text) as KubeObject;
    if (obj.kind === 'VirtualAppliance' && obj.metadata) {
      obj.metadata.name = name;
      obj.metadata.labels = { ...obj.metadata.labels, ...labels };
    }
    return obj;
  });
}

/** Creates `ns` with one shop per entry (its extra labels) and waits until every one is Ready. */
export async function deployShops(
  kc: KubeConfig,
  ns: string,
  shops: Record<string, Record<string, string>>,
): Promise<void> {
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  const sample = await sandboxShop({ storage: '64Mi' });
  for (const [name, labels] of Object.entries(shops))
    await applyManifests(kc, renamedShop(sample, name, labels), { namespace: ns });
  await waitFor(
    async () => {
      const list = (await kc
        .makeApiClient(CustomObjectsApi)
        .listNamespacedCustomObject({ ...GROUP, namespace: ns, plural: 'virtualappliances' })) as {
        items: VirtualAppliance[];
      };
      const ready = list.items.filter((a) =>
        a.status?.conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      return ready.length === Object.keys(shops).length;
    },
    { what: `${String(Object.keys(shops).length)} shops Ready in ${ns}`, timeoutMs: 180_000 },
  );
}

export async function listPlans(kc: KubeConfig, ns: string): Promise<MaintenancePlan[]> {
  return (
    (await kc
      .makeApiClient(CustomObjectsApi)
      .listNamespacedCustomObject({ ...GROUP, namespace: ns, plural: 'maintenanceplans' })) as {
      items: MaintenancePlan[];
    }
  ).items;
}

export async function readRollout(kc: KubeConfig, ns: string, name: string): Promise<MaintenanceRollout> {
  return (await kc
    .makeApiClient(CustomObjectsApi)
    .getNamespacedCustomObject({ ...GROUP, namespace: ns, plural: 'maintenancerollouts', name })) as MaintenanceRollout;
}

export interface BudgetSample {
  /** The most plans holding a clone at one instant. */
  clones: number;
  /** The most plans cutting over (or observing, rolling back) at one instant. */
  cuttingOver: number;
  events: number;
  /** ADDED events per plan name: a plan made twice (deleted and made again) shows 2. */
  readonly added: Map<string, number>;
  /** Phases each plan was seen in, in order. */
  readonly seen: Map<string, string[]>;
}

/** Samples every plan of the namespace on each watch event. */
export async function sampleBudgets(kc: KubeConfig, ns: string): Promise<{ max: BudgetSample; stop: () => void }> {
  const phases = new Map<string, string>();
  const max: BudgetSample = { clones: 0, cuttingOver: 0, events: 0, added: new Map(), seen: new Map() };
  const req = await new Watch(kc).watch(
    `/apis/vapp.dev/v1alpha1/namespaces/${ns}/maintenanceplans`,
    {},
    (type: string, obj: MaintenancePlan) => {
      const name = obj.metadata.name ?? '';
      const phase = obj.status?.phase ?? 'Pending';
      if (type === 'ADDED') max.added.set(name, (max.added.get(name) ?? 0) + 1);
      if (type === 'DELETED') phases.delete(name);
      else phases.set(name, phase);
      const seen = max.seen.get(name) ?? [];
      if (seen.at(-1) !== phase) max.seen.set(name, [...seen, phase]);
      const now = [...phases.values()];
      max.clones = Math.max(max.clones, now.filter((p) => HOLDS_CLONE.has(p)).length);
      max.cuttingOver = Math.max(max.cuttingOver, now.filter((p) => CUTTING_OVER.has(p)).length);
      max.events++;
    },
    () => undefined,
  );
  return { max, stop: () => req.abort() };
}
