// The MaintenancePlan controller: what it watches and how events map to plans.
import type { Registry } from 'prom-client';
import { LABEL_APPLIANCE, type MaintenancePlan, type VirtualAppliance } from '../../api/v1alpha1/index.ts';
import {
  enqueueByLabel,
  type ControllerDefinition,
  type ControllerDeps,
  type MapFunc,
} from '../../runtime/controller.ts';
import type { KubeObject } from '../../runtime/object.ts';
import { PlanMetrics } from './metrics.ts';
import { LABEL_PLAN } from './names.ts';
import type { MaintenanceOptions } from './options.ts';
import { planReconciler } from './reconciler.ts';
import { plansToWake } from './wakeups.ts';
import {
  APPLIANCES,
  BASE_IMAGES,
  DATA_VOLUMES,
  JOBS,
  NETWORK_POLICIES,
  PLANS,
  JOB_PODS,
  PVCS,
  SERVICES,
  VMIS,
  VMS,
  VM_CLONES,
  VM_SNAPSHOTS,
  VM_SNAPSHOT_CONTENTS,
  VOLUME_SNAPSHOTS,
} from './resources.ts';

/** Plan index: `namespace/appliance`. */
const BY_APPLIANCE = 'vapp.dev/plan-appliance';
/** Plan index: `namespace/name` of spec.baseImage's BaseImage. */
const BY_BASE_IMAGE = 'vapp.dev/plan-base-image';

export function maintenanceController(
  deps: ControllerDeps,
  opts: MaintenanceOptions & { registry?: Registry } = {},
): ControllerDefinition {
  const plans = deps.cache.informer<MaintenancePlan>(PLANS).store;
  if (!plans.hasIndex(BY_APPLIANCE))
    plans.addIndex(BY_APPLIANCE, (p) => [`${p.metadata.namespace ?? ''}/${p.spec.appliance}`]);
  if (!plans.hasIndex(BY_BASE_IMAGE))
    plans.addIndex(BY_BASE_IMAGE, (p) =>
      p.spec.baseImage === undefined
        ? []
        : [`${p.spec.baseImage.ref.namespace ?? p.metadata.namespace ?? ''}/${p.spec.baseImage.ref.name}`],
    );

  const appliances = deps.cache.informer<VirtualAppliance>(APPLIANCES).store;
  /**
   * The plans of the appliance an object belongs to (by name for the appliance itself) that its
   * change concerns: the lock holder's and, when the lock is free, the next queued one's (wakeups.ts).
   */
  const plansOfAppliance = (applianceName: string | undefined, obj: KubeObject) => {
    if (applianceName === undefined) return [];
    const namespace = obj.metadata?.namespace ?? '';
    return plansToWake(
      appliances.get(`${namespace}/${applianceName}`),
      plans.byIndex(BY_APPLIANCE, `${namespace}/${applianceName}`),
    ).map((p) => ({ namespace, name: p.metadata.name ?? '' }));
  };
  const byPlan = enqueueByLabel(LABEL_PLAN);
  const child: MapFunc = (obj, event) => byPlan(obj, event);
  const member: MapFunc = (obj, event) => [
    ...byPlan(obj, event),
    ...plansOfAppliance(obj.metadata?.labels?.[LABEL_APPLIANCE], obj),
  ];

  return {
    name: 'maintenanceplan',
    // An error is in the plan's status and retried with backoff; the cause (a quota, a missing
    // permission) is often fixed by hand, so the retries do not drift beyond a few seconds apart.
    backoffMaxMs: 20_000,
    reconcile: planReconciler(
      deps,
      opts.registry ? new PlanMetrics(opts.registry, () => plans.list()) : undefined,
      opts,
    ),
    // A snapshot's content is read when the replicas are made; its snapshot's changes are watched.
    caches: [VM_SNAPSHOT_CONTENTS],
    watches: [
      { resource: PLANS },
      { resource: APPLIANCES, map: (a) => plansOfAppliance(a.metadata?.name, a) },
      { resource: VMS, map: member },
      { resource: VMIS, map: member },
      { resource: JOB_PODS, map: child },
      { resource: SERVICES, map: member },
      { resource: VM_SNAPSHOTS, map: child },
      { resource: VM_CLONES, map: child },
      { resource: JOBS, map: child },
      { resource: PVCS, map: child },
      { resource: VOLUME_SNAPSHOTS, map: child },
      { resource: NETWORK_POLICIES, map: child },
      { resource: DATA_VOLUMES, map: child },
      {
        resource: BASE_IMAGES,
        map: (b) =>
          plans
            .byIndex(BY_BASE_IMAGE, `${b.metadata?.namespace ?? ''}/${b.metadata?.name ?? ''}`)
            .map((p) => ({ namespace: p.metadata.namespace ?? '', name: p.metadata.name ?? '' })),
      },
    ],
  };
}
