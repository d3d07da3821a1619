// Installs the shipped admission policies (config/admission) on the sandbox, as `kubectl apply -k
// config/default` does on a cluster, and waits until the API server enforces them: a policy is
// loaded by the API server's informers a moment after it is stored, and a cluster reported ready
// before that would let through what it is meant to refuse.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeConfig } from '@kubernetes/client-node';
import { LAST_POLICY } from '../api/admission/render.ts';
import { apiStatus } from '../runtime/errors.ts';
import type { KubeObject } from '../runtime/object.ts';
import { RestClient } from '../runtime/rest.ts';
import { impersonating } from './impersonation.ts';
import { applyManifests, readManifests } from './manifests.ts';

const ADMISSION_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../config/admission');
const ENFORCED_TIMEOUT_MS = 30_000;
/** A user allowed to create VirtualAppliances in `default` and nothing else: its probe must be refused. */
const PROBE_USER = 'vapp-sandbox:admission-probe';
const PROBE_NAMESPACE = 'default';

export async function installAdmissionPolicies(admin: KubeConfig): Promise<void> {
  const objects = await readManifests(ADMISSION_DIR);
  // Every policy before any binding, in file order: once the last binding is enforced, the API
  // server's (ordered) watches have delivered everything before it.
  const ordered = [
    ...objects.filter((o) => o.kind === 'ValidatingAdmissionPolicy'),
    ...objects.filter((o) => o.kind !== 'ValidatingAdmissionPolicy'),
  ];
  await applyManifests(admin, ordered, { fieldManager: 'vapp-sandbox' });
  await applyManifests(
    admin,
    [
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'vapp-sandbox-admission-probe', namespace: PROBE_NAMESPACE },
        rules: [{ apiGroups: ['vapp.dev'], resources: ['virtualappliances'], verbs: ['create'] }],
      } as KubeObject,
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'vapp-sandbox-admission-probe', namespace: PROBE_NAMESPACE },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'vapp-sandbox-admission-probe' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: PROBE_USER }],
      } as KubeObject,
    ],
    { fieldManager: 'vapp-sandbox' },
  );
  await waitUntilEnforced(new RestClient(impersonating(admin, PROBE_USER)));
}

/** Dry-runs a VirtualAppliance over a VM the probe user may not update until the members policy refuses it. */
async function waitUntilEnforced(probe: RestClient): Promise<void> {
  const deadline = Date.now() + ENFORCED_TIMEOUT_MS;
  for (;;) {
    let last: string;
    try {
      await probe.request(`/apis/vapp.dev/v1alpha1/namespaces/${PROBE_NAMESPACE}/virtualappliances`, {
        method: 'POST',
        query: { dryRun: 'All' },
        body: {
          apiVersion: 'vapp.dev/v1alpha1',
          kind: 'VirtualAppliance',
          metadata: { name: 'admission-probe' },
          spec: { members: [{ name: 'probe', vm: 'admission-probe' }] },
        },
      });
      last = 'the probe was admitted';
    } catch (err) {
      last = apiStatus(err)?.message ?? String(err);
      if (last.includes(`'${LAST_POLICY}'`)) return;
    }
    if (Date.now() > deadline)
      throw new Error(`the admission policies were not enforced within ${ENFORCED_TIMEOUT_MS} ms: ${last}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
