// The third-party kinds the sandbox serves, with the API versions KubeVirt itself serves.

/** An additional printer column, as in a CRD. */
export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'boolean' | 'date' | 'number';
  readonly jsonPath: string;
}

/** One kind served from an upstream Swagger spec. */
export interface ThirdPartyKind {
  readonly spec: 'kubevirt' | 'cdi';
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  /** The Swagger definition that describes the kind. */
  readonly definition: string;
  readonly printerColumns: readonly PrinterColumn[];
  /**
   * Whether status is a subresource (default: when the kind has a status). CDI's DataSource and
   * DataImportCron have none upstream: their controllers write status with the object.
   */
  readonly statusSubresource?: boolean;
}

const age: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };
const phase: PrinterColumn = { name: 'Phase', type: 'string', jsonPath: '.status.phase' };

export const THIRD_PARTY_KINDS: readonly ThirdPartyKind[] = [
  {
    spec: 'kubevirt',
    group: 'kubevirt.io',
    version: 'v1',
    kind: 'VirtualMachine',
    plural: 'virtualmachines',
    shortNames: ['vm', 'vms'],
    categories: ['all'],
    definition: 'v1.VirtualMachine',
    printerColumns: [
      age,
      { name: 'Status', type: 'string', jsonPath: '.status.printableStatus' },
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    ],
  },
  {
    spec: 'kubevirt',
    group: 'kubevirt.io',
    version: 'v1',
    kind: 'VirtualMachineInstance',
    plural: 'virtualmachineinstances',
    shortNames: ['vmi', 'vmis'],
    categories: ['all'],
    definition: 'v1.VirtualMachineInstance',
    printerColumns: [
      age,
      phase,
      { name: 'IP', type: 'string', jsonPath: '.status.interfaces[0].ipAddress' },
      { name: 'NodeName', type: 'string', jsonPath: '.status.nodeName' },
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    ],
  },
  {
    spec: 'kubevirt',
    group: 'snapshot.kubevirt.io',
    version: 'v1beta1',
    kind: 'VirtualMachineSnapshot',
    plural: 'virtualmachinesnapshots',
    shortNames: ['vmsnapshot', 'vmsnapshots'],
    categories: ['all'],
    definition: 'v1beta1.VirtualMachineSnapshot',
    printerColumns: [
      { name: 'SourceKind', type: 'string', jsonPath: '.spec.source.kind' },
      { name: 'SourceName', type: 'string', jsonPath: '.spec.source.name' },
      phase,
      { name: 'ReadyToUse', type: 'boolean', jsonPath: '.status.readyToUse' },
      age,
    ],
  },
  {
    spec: 'kubevirt',
    group: 'snapshot.kubevirt.io',
    version: 'v1beta1',
    kind: 'VirtualMachineSnapshotContent',
    plural: 'virtualmachinesnapshotcontents',
    shortNames: ['vmsnapshotcontent', 'vmsnapshotcontents'],
    categories: ['all'],
    definition: 'v1beta1.VirtualMachineSnapshotContent',
    printerColumns: [{ name: 'ReadyToUse', type: 'boolean', jsonPath: '.status.readyToUse' }, age],
  },
  {
    spec: 'kubevirt',
    group: 'snapshot.kubevirt.io',
    version: 'v1beta1',
    kind: 'VirtualMachineRestore',
    plural: 'virtualmachinerestores',
    shortNames: ['vmrestore', 'vmrestores'],
    categories: ['all'],
    definition: 'v1beta1.VirtualMachineRestore',
    printerColumns: [
      { name: 'TargetName', type: 'string', jsonPath: '.spec.target.name' },
      { name: 'Complete', type: 'boolean', jsonPath: '.status.complete' },
      age,
    ],
  },
  {
    spec: 'kubevirt',
    group: 'clone.kubevirt.io',
    version: 'v1beta1',
    kind: 'VirtualMachineClone',
    plural: 'virtualmachineclones',
    shortNames: ['vmclone', 'vmclones'],
    categories: ['all'],
    definition: 'v1beta1.VirtualMachineClone',
    printerColumns: [
      phase,
      { name: 'SourceVirtualMachine', type: 'string', jsonPath: '.spec.source.name' },
      { name: 'TargetVirtualMachine', type: 'string', jsonPath: '.spec.target.name' },
      age,
    ],
  },
  {
    spec: 'cdi',
    group: 'cdi.kubevirt.io',
    version: 'v1beta1',
    kind: 'DataVolume',
    plural: 'datavolumes',
    shortNames: ['dv', 'dvs'],
    categories: ['all'],
    definition: 'v1beta1.DataVolume',
    printerColumns: [
      phase,
      { name: 'Progress', type: 'string', jsonPath: '.status.progress' },
      { name: 'Restarts', type: 'integer', jsonPath: '.status.restartCount' },
      age,
    ],
  },
  {
    spec: 'cdi',
    group: 'cdi.kubevirt.io',
    version: 'v1beta1',
    kind: 'DataSource',
    plural: 'datasources',
    shortNames: ['das'],
    categories: ['all'],
    definition: 'v1beta1.DataSource',
    printerColumns: [age],
    statusSubresource: false,
  },
  {
    spec: 'cdi',
    group: 'cdi.kubevirt.io',
    version: 'v1beta1',
    kind: 'DataImportCron',
    plural: 'dataimportcrons',
    shortNames: ['dic', 'dics'],
    categories: ['all'],
    definition: 'v1beta1.DataImportCron',
    printerColumns: [{ name: 'Format', type: 'string', jsonPath: '.status.sourceFormat' }, age],
    statusSubresource: false,
  },
];
