// The rollout's target and its plans, pure: a new BaseImage latest is a new revision (a pinned version
// is not), where an appliance stands against the target (the plan diff's rules, targets it does not
// run left out), and the plan a rollout makes (labels, no ownerReference, held, valid as a plan).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  parseMaintenancePlan,
  parseMaintenanceRollout,
  parseVirtualAppliance,
  type BaseImage,
  type MaintenanceRolloutSpecInput,
  type VirtualAppliance,
} from '../../../../src/api/v1alpha1/index.ts';
import { planManifest } from '../../../../src/controllers/rollout/plan-manifest.ts';
import { resolveTarget, standingOf } from '../../../../src/controllers/rollout/target.ts';
import { sampleAppliance } from '../../api/fixtures.ts';

const rollout = (spec: Partial<MaintenanceRolloutSpecInput>) =>
  parseMaintenanceRollout({
    apiVersion: 'vapp.dev/v1alpha1',
    kind: 'MaintenanceRollout',
    metadata: { name: 'fleet', namespace: 'shops', uid: 'u' },
    spec: { target: { components: [{ name: 'postgres', level: '16.4.0' }] }, ...spec },
  });

const image = (latest: string | undefined) =>
  ({
    apiVersion: 'vapp.dev/v1alpha1',
    kind: 'BaseImage',
    metadata: { name: 'fedora', namespace: 'golden' },
    spec: {},
    status: {
      versions: [],
      conditions: [],
      ...(latest
        ? { latest: { version: latest, label: latest, displayVersion: latest, since: '2026-12-01T00:00:00Z' } }
        : {}),
    },
  }) as unknown as BaseImage;

/** The shop sample with its live inventory: postgres 16.2.0, shop 2.3.1, nginx 1.26.2. */
function shop(levels: Record<string, Record<string, string>> = {}): VirtualAppliance {
  const a = parseVirtualAppliance({ ...sampleAppliance(), metadata: { name: 'shop', namespace: 'shops' } });
  const live = { db: { postgres: '16.2.0' }, app: { shop: '2.3.1' }, web: { nginx: '1.26.2' }, ...levels } as Record<
    string,
    Record<string, string>
  >;
  return {
    ...a,
    status: {
      members: a.spec.members.map((m) => ({
        name: m.name,
        vm: m.vm,
        ready: true,
        components: m.components.map((c) => ({ name: c.name, level: live[m.name]?.[c.name] ?? '' })),
      })),
      conditions: [],
    },
  };
}

describe('the target', () => {
  const follow = rollout({ target: { components: [], baseImage: { ref: { name: 'fedora', namespace: 'golden' } } } });

  it('follows the BaseImage latest: a new latest is a new hash, the same latest the same', () => {
    const a = resolveTarget(follow, image('sha256:aaa'));
    const b = resolveTarget(follow, image('sha256:bbb'));
    assert.ok(a.ok && b.ok);
    assert.equal(a.target.baseImage?.version, 'sha256:aaa');
    assert.notEqual(a.hash, b.hash);
    const again = resolveTarget(follow, image('sha256:aaa'));
    assert.ok(again.ok);
    assert.equal(again.hash, a.hash);
  });

  it('waits for a BaseImage that is missing or has no latest; a pinned version needs neither', () => {
    assert.deepEqual(resolveTarget(follow, undefined), {
      ok: false,
      reason: 'BaseImageNotFound',
      message: 'BaseImage golden/fedora not found',
    });
    assert.equal(resolveTarget(follow, image(undefined)).ok, false);
    const pinned = rollout({
      target: { components: [], baseImage: { ref: { name: 'fedora' }, version: 'sha256:ccc' } },
    });
    const r = resolveTarget(pinned, undefined);
    assert.ok(r.ok);
    assert.deepEqual(r.target.baseImage, { image: 'shops/fedora', version: 'sha256:ccc' });
  });

  it('an appliance behind a target it runs is not up to date; targets it does not run are left out', () => {
    const target = {
      components: [
        { name: 'postgres', level: '16.4.0' },
        { name: 'redis', level: '7.0.0' },
      ],
    };
    const behind = standingOf(shop(), target, false);
    assert.deepEqual(behind, {
      upToDate: false,
      components: [{ name: 'postgres', level: '16.4.0' }],
      onBaseImage: false,
    });
    assert.equal(standingOf(shop({ db: { postgres: '16.4.0' } }), target, false).upToDate, true);
    assert.equal(standingOf(shop({ db: { postgres: '' } }), target, false).upToDate, false, 'a level not read yet');
  });
});

describe('the plan a rollout makes', () => {
  it('is a valid MaintenancePlan, held for its cut-over, labelled, with its window and no ownerReference', () => {
    const r = rollout({ plan: { approval: 'Manual', rollback: { observeSeconds: 30 } } });
    const window = { days: ['sat' as const], startTime: '02:00', endTime: '05:00', timeZone: 'Europe/Rome' };
    const manifest = planManifest(
      r,
      3,
      { components: [{ name: 'postgres', level: '16.4.0' }] },
      {
        name: 'fleet-r3-shop',
        appliance: 'shop',
        wave: 'canary',
        components: [{ name: 'postgres', level: '16.4.0' }],
        baseImage: false,
        window,
      },
    );
    const plan = parseMaintenancePlan(manifest);
    assert.deepEqual(plan.metadata.labels, {
      'vapp.dev/rollout': 'fleet',
      'vapp.dev/rollout-revision': '3',
      'vapp.dev/wave': 'canary',
    });
    assert.equal(plan.metadata.ownerReferences, undefined);
    assert.equal(plan.spec.cutOverHold, true);
    assert.equal(plan.spec.approval, 'Manual');
    assert.equal(plan.spec.rollback.observeSeconds, 30);
    assert.deepEqual(plan.spec.window, window);
    assert.equal(plan.spec.baseImage, undefined);
  });
});
