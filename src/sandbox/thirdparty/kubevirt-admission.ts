// KubeVirt's admission rules, played in the sandbox as ValidatingAdmissionPolicies (CEL). KubeVirt
// enforces them with its virt-api webhooks; without them the sandbox would accept what a real
// cluster refuses, and a test would pass where the operator breaks. They apply to every writer, the
// simulator and the operator alike. Each names the upstream file whose rule it plays.
import type { KubeConfig } from '@kubernetes/client-node';
import { apiStatus } from '../../runtime/errors.ts';
import type { KubeObject } from '../../runtime/object.ts';
import { RestClient } from '../../runtime/rest.ts';
import { applyManifests } from '../manifests.ts';

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
  `[${running(o)} ? string(${o}.spec.running) : '', ${runStrategy(o)} ? string(${o}.spec.runStrategy) : '']`;
const snapshotInProgress = 'has(oldObject.status) && has(oldObject.status.snapshotInProgress)';
const restoreInProgress = 'has(oldObject.status) && has(oldObject.status.restoreInProgress)';
/** The run strategy in effect: spec.runStrategy, else Always or Halted from spec.running (VirtualMachine.RunStrategy()). */
const effectiveStrategy = (o: string) =>
  `(${runStrategy(o)} ? string(${o}.spec.runStrategy) : (${running(o)} && ${o}.spec.running == true ? 'Always' : 'Halted'))`;

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
  {
    // pkg/storage/admitters/vm-storage-status.go: validateRestoreStatus
    name: 'kubevirt-vm-restore-in-progress',
    group: 'kubevirt.io',
    resources: ['virtualmachines'],
    operations: ['UPDATE'],
    validations: [
      {
        expression: `!(${restoreInProgress}) || ${effectiveStrategy('object')} == ${effectiveStrategy('oldObject')}`,
        message: 'Cannot update VM runStrategy until restore completes',
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

/** The policies and their bindings, cluster-wide: every policy, then the bindings, the probed one last. */
export function kubevirtAdmissionPolicies(opts: KubevirtAdmissionOptions = {}): KubeObject[] {
  const rules = [...RULES, ...(opts.snapshotGate === false ? GATED : [])];
  const bindings = rules.map((r) => r.name).sort((a, b) => Number(a === PROBED) - Number(b === PROBED));
  return [
    ...rules.map((r) => ({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: r.name, labels: PLAYS },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [
            { apiGroups: [r.group], apiVersions: ['*'], operations: [...r.operations], resources: [...r.resources] },
          ],
        },
        validations: r.validations.map((v) => ({ ...v, reason: 'Invalid' })),
      },
    })),
    ...bindings.map((name) => ({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name, labels: PLAYS },
      spec: { policyName: name, validationActions: ['Deny'] },
    })),
  ];
}

const PLAYS = { 'sandbox.vapp.dev/plays': 'kubevirt-admission' };
/** The rule whose refusal shows the policies are enforced: its binding is applied last. */
const PROBED = 'kubevirt-vm-running-or-runstrategy';
const ENFORCED_TIMEOUT_MS = 30_000;

/**
 * Applies the policies and waits until the API server enforces them: it loads a policy through its
 * informers a moment after storing it, and a sandbox reported ready before that would admit what
 * KubeVirt refuses. The bindings' watch is ordered, so once the last one refuses, all do.
 */
export async function installKubevirtAdmission(kc: KubeConfig, opts: KubevirtAdmissionOptions = {}): Promise<void> {
  await applyManifests(kc, kubevirtAdmissionPolicies(opts), { fieldManager: 'vapp-sandbox' });
  const client = new RestClient(kc);
  const deadline = Date.now() + ENFORCED_TIMEOUT_MS;
  for (;;) {
    let last: string;
    try {
      await client.request('/apis/kubevirt.io/v1/namespaces/default/virtualmachines', {
        method: 'POST',
        query: { dryRun: 'All' },
        body: {
          apiVersion: 'kubevirt.io/v1',
          kind: 'VirtualMachine',
          metadata: { name: 'admission-probe' },
          spec: { running: true, runStrategy: 'Always', template: { spec: { domain: { devices: {} } } } },
        },
      });
      last = 'the probe VM was admitted';
    } catch (err) {
      last = apiStatus(err)?.message ?? String(err);
      if (last.includes(`'${PROBED}'`)) return;
    }
    if (Date.now() > deadline)
      throw new Error(`KubeVirt's admission policies were not enforced within ${ENFORCED_TIMEOUT_MS} ms: ${last}`);
    await new Promise((r) => setTimeout(r, 100)); // the API server offers no event for this
  }
}
