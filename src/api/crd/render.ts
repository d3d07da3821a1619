// Renders the CustomResourceDefinitions of vapp.dev/v1alpha1 from the zod schemas. Pure: no I/O.
import { z } from 'zod';
import { stringify } from 'yaml';
import {
  BASE_IMAGE_KIND,
  BASE_IMAGE_PLURAL,
  BASE_IMAGE_SHORT_NAMES,
  BASE_IMAGE_SINGULAR,
  BaseImageSpecSchema,
  BaseImageStatusSchema,
  GROUP,
  VERSION,
  MAINTENANCE_ROLLOUT_KIND,
  MAINTENANCE_ROLLOUT_PLURAL,
  MAINTENANCE_ROLLOUT_SHORT_NAMES,
  MAINTENANCE_ROLLOUT_SINGULAR,
  MaintenanceRolloutSpecSchema,
  MaintenanceRolloutStatusSchema,
  MAINTENANCE_PLAN_KIND,
  MAINTENANCE_PLAN_PLURAL,
  MAINTENANCE_PLAN_SHORT_NAMES,
  MAINTENANCE_PLAN_SINGULAR,
  MaintenancePlanSpecSchema,
  MaintenancePlanStatusSchema,
  VIRTUAL_APPLIANCE_KIND,
  VIRTUAL_APPLIANCE_PLURAL,
  VIRTUAL_APPLIANCE_SHORT_NAMES,
  VIRTUAL_APPLIANCE_SINGULAR,
  VirtualApplianceSpecSchema,
  VirtualApplianceStatusSchema,
} from '../v1alpha1/index.ts';
import { toStructural, type JSONSchemaProps } from './structural.ts';

/**
 * The category of both kinds: `kubectl get vapp-all` lists appliances and plans. Not `vapp`: kubectl
 * expands a category before it resolves short names, so a category `vapp` would shadow the short
 * name `vapp` (`kubectl get vapp shop` would fail with "you must specify only one resource").
 */
export const CATEGORY = 'vapp-all';

interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  readonly jsonPath: string;
  readonly description: string;
  readonly priority?: number;
}

interface KindDefinition {
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly description: string;
  readonly spec: z.ZodType;
  readonly status: z.ZodType;
  readonly columns: readonly PrinterColumn[];
}

/** A rendered CRD: the object, its YAML and the file name under crds/. */
export interface RenderedCrd {
  readonly fileName: string;
  readonly crd: JSONSchemaProps;
  readonly yaml: string;
}

const READY = '.status.conditions[?(@.type=="Ready")]';

const KINDS: readonly KindDefinition[] = [
  {
    kind: VIRTUAL_APPLIANCE_KIND,
    plural: VIRTUAL_APPLIANCE_PLURAL,
    singular: VIRTUAL_APPLIANCE_SINGULAR,
    shortNames: VIRTUAL_APPLIANCE_SHORT_NAMES,
    description:
      'A VirtualAppliance is a set of KubeVirt VirtualMachines that together run one service. It declares which VMs form the appliance, which components run where, how their levels are read and updated, which volumes hold local data and which Services carry its traffic.',
    spec: VirtualApplianceSpecSchema,
    status: VirtualApplianceStatusSchema,
    columns: [
      {
        name: 'Active Slot',
        type: 'string',
        jsonPath: '.status.activeSlot',
        description: 'The slot whose VMs serve the Services.',
      },
      { name: 'Ready', type: 'string', jsonPath: `${READY}.status`, description: 'Status of the Ready condition.' },
      {
        name: 'Members',
        type: 'string',
        jsonPath: '.status.readyMembers',
        description: 'Ready members out of all members.',
      },
      {
        name: 'Plan',
        type: 'string',
        jsonPath: '.status.activePlan',
        description: 'The MaintenancePlan working on the appliance.',
        priority: 1,
      },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since creation.' },
    ],
  },
  {
    kind: MAINTENANCE_PLAN_KIND,
    plural: MAINTENANCE_PLAN_PLURAL,
    singular: MAINTENANCE_PLAN_SINGULAR,
    shortNames: MAINTENANCE_PLAN_SHORT_NAMES,
    description:
      'A MaintenancePlan names new levels for components of a VirtualAppliance. The operator updates the components that are behind on a clone of the appliance, syncs the data written meanwhile and moves the Services to the clone inside the maintenance window.',
    spec: MaintenancePlanSpecSchema,
    status: MaintenancePlanStatusSchema,
    columns: [
      {
        name: 'Appliance',
        type: 'string',
        jsonPath: '.spec.appliance',
        description: 'The VirtualAppliance being maintained.',
      },
      { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Where the maintenance is.' },
      {
        name: 'Progress',
        type: 'string',
        jsonPath: '.status.progress',
        description: 'Finished steps out of all steps.',
      },
      {
        name: 'Downtime',
        type: 'number',
        jsonPath: '.status.downtimeSeconds',
        description: 'Measured downtime of the cut-over, in seconds.',
      },
      {
        name: 'Message',
        type: 'string',
        jsonPath: `${READY}.message`,
        description: 'Message of the Ready condition.',
        priority: 1,
      },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since creation.' },
    ],
  },
  {
    kind: BASE_IMAGE_KIND,
    plural: BASE_IMAGE_PLURAL,
    singular: BASE_IMAGE_SINGULAR,
    shortNames: BASE_IMAGE_SHORT_NAMES,
    description:
      "A BaseImage is a shared base of the operating system (a golden image, e.g. a CDI DataSource kept current by a DataImportCron) that VMs' root disks are made from. Its status lists every version, which appliances and VMs run each one, and releases the storage of a version once nothing uses it.",
    spec: BaseImageSpecSchema,
    status: BaseImageStatusSchema,
    columns: [
      {
        name: 'Latest',
        type: 'string',
        jsonPath: '.status.latest.displayVersion',
        description: 'The latest version.',
      },
      {
        name: 'Versions',
        type: 'integer',
        jsonPath: '.status.versionCount',
        description: 'Versions not released.',
      },
      { name: 'In Use', type: 'integer', jsonPath: '.status.inUse', description: 'Versions in use.' },
      {
        name: 'Reclaimable',
        type: 'string',
        jsonPath: '.status.reclaimable',
        description: 'Storage that releasing every version but the latest would free.',
      },
      { name: 'Usage', type: 'string', jsonPath: '.status.usage', description: 'Who uses which version.' },
      { name: 'Ready', type: 'string', jsonPath: `${READY}.status`, description: 'Status of the Ready condition.' },
      {
        name: 'Releasable',
        type: 'integer',
        jsonPath: '.status.releasable',
        description: 'Versions nothing uses that may be released.',
        priority: 1,
      },
      {
        name: 'Message',
        type: 'string',
        jsonPath: `${READY}.message`,
        description: 'Message of the Ready condition.',
        priority: 1,
      },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since creation.' },
    ],
  },
  {
    kind: MAINTENANCE_ROLLOUT_KIND,
    plural: MAINTENANCE_ROLLOUT_PLURAL,
    singular: MAINTENANCE_ROLLOUT_SINGULAR,
    shortNames: MAINTENANCE_ROLLOUT_SHORT_NAMES,
    description:
      'A MaintenanceRollout updates many VirtualAppliances of its namespace to one target, each through its own MaintenancePlan: a few at a time (maxInFlight clones, maxCuttingOver cut-overs), canary waves first, each cut-over in its own window, pausing when too many fail.',
    spec: MaintenanceRolloutSpecSchema,
    status: MaintenanceRolloutStatusSchema,
    columns: [
      { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Where the rollout is.' },
      {
        name: 'Progress',
        type: 'string',
        jsonPath: '.status.progress',
        description: 'Appliances up to date out of those selected, plans in flight and waiting.',
      },
      { name: 'Wave', type: 'string', jsonPath: '.status.currentWave', description: 'The first wave not completed.' },
      {
        name: 'Failed',
        type: 'integer',
        jsonPath: '.status.failures.count',
        description: 'Plans of this revision that failed.',
      },
      { name: 'Revision', type: 'integer', jsonPath: '.status.revision', description: 'The revision of the target.' },
      {
        name: 'Next Window',
        type: 'date',
        jsonPath: '.status.nextWindowStart',
        description: 'When the next window of an appliance waiting for one opens.',
        priority: 1,
      },
      {
        name: 'Message',
        type: 'string',
        jsonPath: `${READY}.message`,
        description: 'Message of the Ready condition.',
        priority: 1,
      },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since creation.' },
    ],
  },
];

/** The structural schema of a zod schema, as it appears in a CRD (defaults included: io input). */
export function structuralSchemaOf(schema: z.ZodType): JSONSchemaProps {
  const json = z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io: 'input',
    unrepresentable: 'throw',
    cycles: 'throw',
    reused: 'inline',
  });
  return toStructural(json);
}

function openAPIV3Schema(def: KindDefinition): JSONSchemaProps {
  return {
    description: def.description,
    type: 'object',
    properties: {
      apiVersion: {
        description:
          'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.',
        type: 'string',
      },
      kind: {
        description: 'Kind is a string value representing the REST resource this object represents. In CamelCase.',
        type: 'string',
      },
      metadata: { type: 'object' },
      spec: structuralSchemaOf(def.spec),
      status: structuralSchemaOf(def.status),
    },
    required: ['spec'],
  };
}

function crdOf(def: KindDefinition): JSONSchemaProps {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${def.plural}.${GROUP}` },
    spec: {
      group: GROUP,
      names: {
        kind: def.kind,
        listKind: `${def.kind}List`,
        plural: def.plural,
        singular: def.singular,
        shortNames: [...def.shortNames],
        categories: [CATEGORY],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: def.columns.map((c) => ({ ...c })),
          schema: { openAPIV3Schema: openAPIV3Schema(def) },
        },
      ],
    },
  };
}

const HEADER =
  '# Generated by scripts/generate-crds.ts from the zod schemas in src/api/v1alpha1. DO NOT EDIT: run `make generate`.\n';

/** Renders every CRD. */
export function renderCrds(): RenderedCrd[] {
  return KINDS.map((def) => {
    const crd = crdOf(def);
    return { fileName: `${GROUP}_${def.plural}.yaml`, crd, yaml: HEADER + stringify(crd, { lineWidth: 0 }) };
  });
}

/**
 * Every file of crds/: the CRDs plus a kustomization.yaml listing them. config/crd points at the
 * folder, because kustomize refuses to load single files from outside its own folder.
 */
export function renderCrdFiles(): { readonly fileName: string; readonly content: string }[] {
  const crds = renderCrds();
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: crds.map((c) => c.fileName),
  };
  return [
    ...crds.map((c) => ({ fileName: c.fileName, content: c.yaml })),
    { fileName: 'kustomization.yaml', content: HEADER + stringify(kustomization) },
  ];
}
