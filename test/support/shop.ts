// The shop sample (config/samples, adapted by src/sandbox/samples.ts) in a test namespace, and a
// plan whose spec the test adjusts; what a user does with kubectl on a plan.
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { MaintenancePlan, MaintenancePlanInput, VirtualAppliance } from '../../src/api/v1alpha1/index.ts';
import { isNotFound } from '../../src/runtime/errors.ts';
import type { KubeObject } from '../../src/runtime/object.ts';
import { RestClient } from '../../src/runtime/rest.ts';
import { applyManifests } from '../../src/sandbox/manifests.ts';
import { samplePlan, sandboxShop } from '../../src/sandbox/samples.ts';
import { waitFor } from './wait.ts';

/** Creates `namespace` with the shop appliance in it and waits until the appliance is Ready. */
export async function deployShop(
  kc: KubeConfig,
  namespace: string,
  opts: {
    workload?: number;
    /** Changes to the sample's objects before they are applied (a probe, another storage class...). */
    adapt?: (objects: KubeObject[]) => KubeObject[];
    /** Applies everything but the VirtualAppliance first and waits for this before applying it (adoption of running VMs). */
    beforeAppliance?: () => Promise<unknown>;
  } = {},
): Promise<VirtualAppliance> {
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
  const objects = (opts.adapt ?? ((o) => o))(await sandboxShop({ storage: '64Mi', ...opts }));
  if (opts.beforeAppliance !== undefined) {
    await applyManifests(
      kc,
      objects.filter((o) => o.kind !== 'VirtualAppliance'),
      { namespace },
    );
    await opts.beforeAppliance();
  }
  await applyManifests(kc, objects, { namespace });
  return waitFor(
    async () => {
      const a = await readAppliance(kc, namespace);
      return a.status?.conditions.some((c) => c.type === 'Ready' && c.status === 'True') === true && a;
    },
    { what: `appliance shop Ready in ${namespace}` },
  );
}

/** The sample plan with `spec` changes, applied in `namespace`. */
export async function applyPlan(
  kc: KubeConfig,
  namespace: string,
  spec: (s: MaintenancePlanInput['spec']) => MaintenancePlanInput['spec'],
): Promise<string> {
  const sample = (await samplePlan()) as unknown as MaintenancePlanInput;
  const plan = { ...sample, spec: spec(structuredClone(sample.spec)) };
  await applyManifests(kc, [plan], { namespace });
  return sample.metadata.name ?? '';
}

export function readAppliance(kc: KubeConfig, namespace: string): Promise<VirtualAppliance> {
  return kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
    group: 'vapp.dev',
    version: 'v1alpha1',
    namespace,
    plural: 'virtualappliances',
    name: 'shop',
  }) as Promise<VirtualAppliance>;
}

export function readPlan(kc: KubeConfig, namespace: string, name: string): Promise<MaintenancePlan> {
  return kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
    group: 'vapp.dev',
    version: 'v1alpha1',
    namespace,
    plural: 'maintenanceplans',
    name,
  }) as Promise<MaintenancePlan>;
}

/** Waits until the plan's phase satisfies `ok`; returns the plan. */
export function waitForPhase(
  kc: KubeConfig,
  namespace: string,
  name: string,
  ok: (phase: string | undefined) => boolean,
  timeoutMs = 90_000,
): Promise<MaintenancePlan> {
  return waitFor(
    async () => {
      const p = await readPlan(kc, namespace, name);
      return ok(p.status?.phase) && p;
    },
    { what: `plan ${namespace}/${name} phase`, timeoutMs, intervalMs: 200 },
  );
}

/** What `kubectl patch mplan NAME --type merge -p '{"spec": ...}'` does; returns the new generation. */
export async function patchPlanSpec(
  kc: KubeConfig,
  namespace: string,
  name: string,
  spec: Partial<MaintenancePlanInput['spec']>,
): Promise<number> {
  const patched = await new RestClient(kc).request<{ metadata: { generation: number } }>(
    `/apis/vapp.dev/v1alpha1/namespaces/${namespace}/maintenanceplans/${name}`,
    {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: { spec },
    },
  );
  return patched.metadata.generation;
}

/** The message of the plan's Warning Event `reason`, once it is recorded. */
export function waitForWarning(kc: KubeConfig, namespace: string, name: string, reason: string): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  return waitFor(
    async () => {
      const events = await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
      return events.items.find((e) => e.type === 'Warning' && e.reason === reason)?.message;
    },
    { what: `a Warning Event ${reason} on ${namespace}/${name}` },
  );
}

/** What `kubectl delete mplan NAME` does (it waits for the finalizer to be done). */
export async function deletePlan(kc: KubeConfig, namespace: string, name: string, timeoutMs = 60_000): Promise<void> {
  const plans = { group: 'vapp.dev', version: 'v1alpha1', namespace, plural: 'maintenanceplans', name };
  await kc.makeApiClient(CustomObjectsApi).deleteNamespacedCustomObject(plans);
  await waitFor(
    async () => {
      try {
        await readPlan(kc, namespace, name);
        return false;
      } catch (err) {
        if (isNotFound(err)) return true;
        throw err;
      }
    },
    { what: `plan ${namespace}/${name} gone`, timeoutMs },
  );
}
