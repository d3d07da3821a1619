import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planNames } from '../../../../../src/controllers/maintenance/names.ts';
import { checkJob } from '../../../../../src/controllers/maintenance/actions/checks.ts';

type Ctx = Parameters<typeof checkJob>[0];

const ctx = (verify: object): Ctx =>
  ({
    plan: { spec: { verify: { timeoutSeconds: 300, ...verify } } },
    labels: { 'vapp.dev/plan': 'shop-2026-11' },
    appliance: { metadata: { name: 'shop' } },
    namespace: 'shop',
    names: planNames('shop-2026-11'),
    settings: { checkImage: 'curlimages/curl:8.11.1' },
    owner: {
      apiVersion: 'vapp.dev/v1alpha1',
      kind: 'MaintenancePlan',
      name: 'shop-2026-11',
      uid: 'u1',
      controller: true,
    },
  }) as unknown as Ctx;

describe('checks: the check Job', () => {
  it('GETs the preview Service before the cut-over and the Service after it, as a pod of the slot', () => {
    const before = checkJob(
      ctx({ httpGet: { service: 'shop-web', port: 80, path: '/health' } }),
      'shop-2026-11-verify-1',
      'green',
      true,
    );
    assert.ok(before.spec?.template.spec?.containers[0]?.args?.includes('http://shop-web-preview.shop.svc:80/health'));
    assert.equal(before.spec?.template.metadata?.labels?.['vapp.dev/slot'], 'green');
    assert.equal(before.spec?.activeDeadlineSeconds, 300);
    const after = checkJob(
      ctx({ httpGet: { service: 'shop-web', port: 80, path: '/health' } }),
      'shop-2026-11-observe-1',
      'green',
      false,
    );
    assert.ok(after.spec?.template.spec?.containers[0]?.args?.includes('http://shop-web.shop.svc:80/health'));
  });

  it("keeps the user's Job and Pod labels and annotations, under the operator's own labels", () => {
    const job = checkJob(
      ctx({
        job: {
          template: {
            metadata: { labels: { team: 'shop' }, annotations: { owner: 'sre' } },
            spec: {
              template: {
                metadata: {
                  labels: { team: 'shop', 'vapp.dev/slot': 'blue' },
                  annotations: { 'sidecar.istio.io/inject': 'false' },
                },
                spec: { containers: [{ name: 'smoke', image: 'shop-smoke:1' }] },
              },
            },
          },
        },
      }),
      'shop-2026-11-verify-1',
      'green',
      true,
    );
    assert.deepEqual(job.metadata?.annotations, { owner: 'sre' });
    assert.equal(job.metadata?.labels?.team, 'shop');
    assert.equal(job.metadata?.labels?.['vapp.dev/plan'], 'shop-2026-11');
    const pod = job.spec?.template.metadata;
    assert.deepEqual(pod?.annotations, { 'sidecar.istio.io/inject': 'false' });
    assert.equal(pod?.labels?.team, 'shop');
    assert.equal(
      pod?.labels?.['vapp.dev/slot'],
      'green',
      "the isolation admits the clone slot only: the slot label is the operator's",
    );
    assert.equal(job.spec?.template.spec?.containers[0]?.name, 'smoke');
  });
});
