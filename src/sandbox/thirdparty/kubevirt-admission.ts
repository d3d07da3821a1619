// KubeVirt's admission rules, played in the sandbox as ValidatingAdmissionPolicies (CEL). KubeVirt
// enforces them with its virt-api webhooks; without them the sandbox would accept what a real
// cluster refuses, and a test would pass where the operator breaks. They apply to every writer, the
// simulator and the operator alike. Each names the upstream file whose rule it plays.
import type { KubeObject } from '../../runtime/object.ts';

/** Options of the KubeVirt the sandbox plays. */
export interface KubevirtAdmissionOptions {
  /**
   * KubeVirt's `Snapshot` feature gate (Beta; off by default up to KubeVirt 1.8, on in main). Off:
   * VirtualMachineSnapshots, -Restores and -Clones cannot be created. Default on.
   */
  readonly snapshotGate?: boolean;
}

interface Rule {
  readonly name: string;
  readonly resources: readonly string[];
  readonly group: string;
  readonly operations: readonly string[];
  readonly validations: readonly { readonly expression: string; readonly message: string }[];
}

/** `has(x.y)` chains for optional fields, as CEL needs them. */
const running = (o: string) => `has(${o}.spec.running)`;
const runStrategy = (o: string) => `has(${o}.spec.runStrategy)`;
const volumes = (o: string) =>
  `(has(${o}.spec.template.spec) && has(${o}.spec.template.spec.volumes) ? ${o}.spec.template.spec.volumes : [])`;
const runState = (o: string) =>
  `[${running(o)} ? string(${o}.spec.running) : '', ${runStrategy(o)} ? ${o}.spec.runStrategy : '']`;
const snapshotInProgress = 'has(oldObject.status) && has(oldObject.status.snapshotInProgress)';

const RULES: readonly Rule[] = [
  {
    // pkg/virt-api/webhooks/validating-webhook/admitters/vms-admitter.go: validateVirtualMachineSpec
    name: 'kubevirt-vm-running-or-runstrategy',
    group: 'kubevirt.io',
    resources: ['virtualmachines'],
    operations: ['CREATE', 'UPDATE'],
    validations: [
      {
        expression: `!(${running('object')} && ${runStrategy('object')})`,
        message:
          'Running and RunStrategy are mutually exclusive. Note that Running is deprecated, please use RunStrategy instead',
      },
    ],
  },
  {
    // pkg/storage/admitters/data-volume-template.go: ValidateDataVolumeTemplate
    name: 'kubevirt-vm-datavolume-templates-referenced',
    group: 'kubevirt.io',
    resources: ['virtualmachines'],
    operations: ['CREATE', 'UPDATE'],
    validations: [
      {
        expression:
          `!has(object.spec.dataVolumeTemplates) || object.spec.dataVolumeTemplates.all(t, ${volumes('object')}.exists(v, ` +
          `(has(v.dataVolume) && v.dataVolume.name == t.metadata.name) || (has(v.persistentVolumeClaim) && v.persistentVolumeClaim.claimName == t.metadata.name)))`,
        message:
          "DataVolumeTemplate entry spec.dataVolumeTemplate must be referenced in the VMI template's 'volumes' list",
      },
    ],
  },
  {
    // pkg/storage/admitters/vm-storage-status.go: validateSnapshotStatus
    name: 'kubevirt-vm-snapshot-in-progress',
    group: 'kubevirt.io',
    resources: ['virtualmachines'],
    operations: ['UPDATE'],
    validations: [
      {
        expression: `!(${snapshotInProgress}) || ${volumes('object')} == ${volumes('oldObject')}`,
        message: 'Cannot update vm disks or volumes until snapshot completes',
      },
      {
        expression: `!(${snapshotInProgress}) || ${runState('object')} == ${runState('oldObject')}`,
        message: 'Cannot update vm running state until snapshot completes',
      },
    ],
  },
];

/** pkg/storage/admitters/vmsnapshot.go, vmrestore.go; admitters/vmclone-admitter.go. */
const GATED: readonly Rule[] = [
  ['virtualmachinesnapshots', 'snapshot.kubevirt.io', 'snapshot feature gate not enabled'],
  ['virtualmachinerestores', 'snapshot.kubevirt.io', 'Snapshot/Restore feature gate not enabled'],
  ['virtualmachineclones', 'clone.kubevirt.io', 'snapshot feature gate is not enabled'],
].map(([resource, group, message]) => ({
  name: `kubevirt-${resource ?? ''}-snapshot-gate`,
  group: group ?? '',
  resources: [resource ?? ''],
  operations: ['CREATE'],
  validations: [{ expression: 'false', message: message ?? '' }],
}));

/** The policies and their bindings, cluster-wide. */
export function kubevirtAdmissionPolicies(opts: KubevirtAdmissionOptions = {}): KubeObject[] {
  const rules = [...RULES, ...(opts.snapshotGate === false ? GATED : [])];
  return rules.flatMap((r) => [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: r.name, labels: { 'sandbox.vapp.dev/plays': 'kubevirt-admission' } },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [
            { apiGroups: [r.group], apiVersions: ['*'], operations: [...r.operations], resources: [...r.resources] },
          ],
        },
        validations: r.validations.map((v) => ({ ...v, reason: 'Invalid' })),
      },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: r.name, labels: { 'sandbox.vapp.dev/plays': 'kubevirt-admission' } },
      spec: { policyName: r.name, validationActions: ['Deny'] },
    },
  ]);
}
