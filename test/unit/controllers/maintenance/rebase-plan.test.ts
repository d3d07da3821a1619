// Planning of spec.baseImage: rebases, members already on the target, downgrades, unknown versions,
// members of unknown version (a stall that says how to state it), and the approval hash covering it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MemberStatus, VersionStatus } from '../../../../src/api/v1alpha1/index.ts';
import { canonicalPreview, changesNothing, previewHash } from '../../../../src/controllers/maintenance/preview-hash.ts';
import { planRebase, type RebasePlanInput } from '../../../../src/controllers/maintenance/rebase-plan.ts';
import { versionLabel, type VersionCatalog } from '../../../../src/controllers/shared/provenance.ts';
import { DIGEST_A, DIGEST_B, GOLDEN, IMPORT_A, IMPORT_B, appliance } from '../baseimage/fixtures.ts';

const version = (v: string, name: string, display: string, state: VersionStatus['state'] = 'InUse'): VersionStatus => ({
  version: v,
  label: versionLabel(v),
  displayVersion: display,
  source: { kind: 'VolumeSnapshot', namespace: GOLDEN, name, size: '64Mi' },
  state,
  firstSeen: '2026-01-01T00:00:00Z',
  usage: { appliances: 0, retainedOriginals: 0, snapshots: 0, plans: 0, inFlightClones: 0, otherVMs: 0, unknown: 0 },
  holders: [],
});
const catalog: VersionCatalog = {
  image: 'golden/fedora',
  namespace: GOLDEN,
  versions: [version(DIGEST_B, IMPORT_B, '40.2', 'Latest'), version(DIGEST_A, IMPORT_A, '40.1')],
};
const on = (member: string, v: string | undefined, message?: string): MemberStatus => ({
  name: member,
  vm: `shop1-${member}`,
  ready: true,
  components: [],
  baseImage: {
    image: 'golden/fedora',
    ...(v === undefined ? {} : { version: v }),
    determinedBy: v === undefined ? 'Unknown' : 'DataVolumeSource',
    ...(message ? { message } : {}),
  },
});
const input = (over: Partial<RebasePlanInput> = {}): RebasePlanInput => ({
  target: { ref: { name: 'fedora', namespace: GOLDEN }, version: DIGEST_B },
  namespace: 'apps',
  catalog,
  members: appliance('shop1', ['db', 'web']).spec.members,
  inventory: [on('db', DIGEST_A), on('web', DIGEST_A)],
  allowDowngrade: false,
  ...over,
});

describe('rebase planning', () => {
  it('rebases every member of the image that is behind, naming both versions', () => {
    const plan = planRebase(input({ inventory: [on('db', DIGEST_A), on('web', DIGEST_B)] }));
    assert.deepEqual(plan.problems, []);
    assert.deepEqual(plan.rebases, [
      {
        member: 'db',
        image: 'golden/fedora',
        volume: 'root',
        from: DIGEST_A,
        to: DIGEST_B,
        fromDisplay: '40.1',
        toDisplay: '40.2',
      },
    ]);
    assert.deepEqual(plan.unchanged, [{ member: 'web', image: 'golden/fedora', version: DIGEST_B }]);
  });

  it('accepts a version by label or display name, and a subset of members', () => {
    const plan = planRebase(
      input({ target: { ref: { name: 'fedora', namespace: GOLDEN }, version: '40.2', members: ['web'] } }),
    );
    assert.deepEqual(
      plan.rebases.map((r) => [r.member, r.to]),
      [['web', DIGEST_B]],
    );
  });

  it('refuses a version the BaseImage does not know, naming spec.baseImage.version and the versions it has', () => {
    const plan = planRebase(input({ target: { ref: { name: 'fedora', namespace: GOLDEN }, version: '41.0' } }));
    assert.deepEqual(
      plan.problems.map((p) => [p.kind, p.severity]),
      [['UnknownBaseImageVersion', 'fail']],
    );
    assert.equal(
      plan.problems[0]?.message,
      'spec.baseImage.version: 41.0 is no version of BaseImage golden/fedora (its versions: b2b2b2b2b2b2 (40.2), a1a1a1a1a1a1 (40.1))',
    );
  });

  it('waits for a version still settling, refuses one released', () => {
    assert.equal(
      planRebase(
        input({ target: { ref: { name: 'fedora', namespace: GOLDEN }, version: 'sha256:c3' }, pending: 'sha256:c3' }),
      ).problems[0]?.severity,
      'wait',
    );
    const released = { ...catalog, versions: [catalog.versions[0]!, version(DIGEST_A, IMPORT_A, '40.1', 'Released')] };
    assert.equal(
      planRebase(
        input({
          catalog: released,
          target: { ref: { name: 'fedora', namespace: GOLDEN }, version: DIGEST_A },
          allowDowngrade: true,
        }),
      ).problems[0]?.kind,
      'BaseImageVersionReleased',
    );
  });

  it('a version older than the current one is a downgrade: refused unless allowDowngrade', () => {
    const back = input({
      target: { ref: { name: 'fedora', namespace: GOLDEN }, version: DIGEST_A },
      inventory: [on('db', DIGEST_B), on('web', DIGEST_B)],
    });
    const refused = planRebase(back);
    assert.deepEqual(
      refused.problems.map((p) => p.kind),
      ['DowngradeNotAllowed', 'DowngradeNotAllowed'],
    );
    assert.match(refused.problems[0]?.message ?? '', /older than the 40.2 it runs; set allowDowngrade/);
    const allowed = planRebase({ ...back, allowDowngrade: true });
    assert.deepEqual(
      allowed.rebases.map((r) => r.downgrade),
      [true, true],
    );
  });

  it('a member of unknown version stalls the plan with how to state it', () => {
    const plan = planRebase(
      input({
        inventory: [
          on('db', undefined, 'state it with: kubectl annotate vm -n apps shop1-db base.vapp.dev/version=<version>'),
          on('web', DIGEST_A),
        ],
      }),
    );
    assert.deepEqual(
      plan.problems.map((p) => [p.kind, p.severity]),
      [['BaseImageVersionUnknown', 'stall']],
    );
    assert.match(
      plan.problems[0]?.message ?? '',
      /member db: .*kubectl annotate vm -n apps shop1-db base\.vapp\.dev\/version=<version>/,
    );
  });

  it('refuses members that do not declare the image, unknown members, and a root volume that is a data volume', () => {
    const members = appliance('shop1', ['db', 'web']).spec.members.map((m) =>
      m.name === 'web' ? { ...m, baseImage: undefined } : m,
    );
    const plan = planRebase(
      input({
        members,
        target: { ref: { name: 'fedora', namespace: GOLDEN }, version: DIGEST_B, members: ['db', 'web', 'cache'] },
      }),
    );
    assert.deepEqual(
      plan.problems.map((p) => p.kind),
      ['NoBaseImage', 'UnknownMember'],
    );
    const rootIsData = appliance('shop1', ['db']).spec.members.map((m) => ({ ...m, dataVolumes: ['root'] }));
    assert.equal(planRebase(input({ members: rootIsData })).problems[0]?.kind, 'RootIsDataVolume');
    assert.equal(
      planRebase(
        input({
          catalog: { reason: 'BaseImageNotFound', problem: 'spec.baseImage.ref: BaseImage golden/fedora not found' },
        }),
      ).problems[0]?.kind,
      'BaseImageNotFound',
    );
  });

  it('the approval hash covers the rebases; a preview without any keeps its former hash', () => {
    const appliance = { namespace: 'apps', name: 'shop1' };
    const rebase = { member: 'db', image: 'golden/fedora', volume: 'root', from: DIGEST_A, to: DIGEST_B };
    assert.equal(
      canonicalPreview({ appliance, updates: [], unchanged: [] }),
      JSON.stringify(['vapp.dev/preview/v1', ['apps', 'shop1'], [], []]),
    );
    assert.equal(
      previewHash({ appliance, updates: [], unchanged: [], rebases: [], baseUnchanged: [] }),
      previewHash({ appliance, updates: [], unchanged: [] }),
    );
    const h = previewHash({ appliance, updates: [], unchanged: [], rebases: [rebase] });
    assert.notEqual(
      h,
      previewHash({ appliance, updates: [], unchanged: [], rebases: [{ ...rebase, from: 'sha256:other' }] }),
    );
    assert.notEqual(h, previewHash({ appliance, updates: [], unchanged: [], rebases: [{ ...rebase, to: DIGEST_A }] }));
    assert.equal(changesNothing({ updates: [], rebases: [rebase] }), false);
    assert.equal(changesNothing({ updates: [], rebases: [] }), true);
  });
});
