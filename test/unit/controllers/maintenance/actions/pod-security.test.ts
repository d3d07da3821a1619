// The Pods the operator itself creates (HTTP check, data sync) meet the Pod Security Standard
// `restricted` field by field (the e2e test in a restricted namespace has the API server check it),
// and have a read-only root filesystem.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1PodSpec } from '@kubernetes/client-node';
import { checkJob } from '../../../../../src/controllers/maintenance/actions/checks.ts';
import { planNames } from '../../../../../src/controllers/maintenance/names.ts';
import { buildDatasyncJob } from '../../../../../src/datasync/job.ts';

function assertRestricted(spec: V1PodSpec | undefined, what: string): void {
  assert.ok(spec, what);
  const pod = spec.securityContext ?? {};
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    const sc = c.securityContext ?? {};
    const at = `${what}: container ${c.name}`;
    assert.equal(sc.runAsNonRoot ?? pod.runAsNonRoot, true, `${at}: runAsNonRoot`);
    assert.notEqual(sc.runAsUser ?? pod.runAsUser, 0, `${at}: not uid 0`);
    assert.equal(sc.allowPrivilegeEscalation, false, `${at}: allowPrivilegeEscalation`);
    assert.deepEqual(sc.capabilities?.drop, ['ALL'], `${at}: capabilities dropped`);
    assert.deepEqual(sc.capabilities.add ?? [], [], `${at}: no capability added`);
    assert.equal((sc.seccompProfile ?? pod.seccompProfile)?.type, 'RuntimeDefault', `${at}: seccomp`);
    assert.equal(sc.readOnlyRootFilesystem, true, `${at}: read-only root filesystem`);
    assert.notEqual(sc.privileged, true, at);
  }
  assert.equal(spec.hostNetwork ?? false, false);
  assert.equal(spec.hostPID ?? false, false);
  for (const v of spec.volumes ?? []) assert.equal(v.hostPath, undefined, `${what}: volume ${v.name}`);
}

describe('Pods the operator creates meet Pod Security restricted', () => {
  it('the HTTP check', () => {
    const job = checkJob(
      {
        plan: { spec: { verify: { timeoutSeconds: 60, httpGet: { service: 'shop-web', port: 80, path: '/' } } } },
        labels: {},
        appliance: { metadata: { name: 'shop' } },
        namespace: 'shop',
        names: planNames('p'),
        settings: { checkImage: 'curlimages/curl:8.11.1' },
        owner: { apiVersion: 'vapp.dev/v1alpha1', kind: 'MaintenancePlan', name: 'p', uid: 'u', controller: true },
      } as unknown as Parameters<typeof checkJob>[0],
      'p-verify-1',
      'green',
      true,
    );
    assertRestricted(job.spec?.template.spec, 'check Job');
  });

  for (const volumeMode of ['Block', 'Filesystem'] as const) {
    it(`the data sync (${volumeMode} volumes, ranges file)`, () => {
      const job = buildDatasyncJob({
        name: 'p-sync-1',
        namespace: 'shop',
        image: 'ghcr.io/vapp-dev/vapp-operator:v0.1.0',
        source: { claimName: 'snap', volumeMode },
        target: { claimName: 'replica', volumeMode },
        ranges: { configMapName: 'ranges' },
      });
      assertRestricted(job.spec?.template.spec, 'data-sync Job');
    });
  }
});
