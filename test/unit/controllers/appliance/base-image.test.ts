// The appliance's side of base images: each member's provenance in status, the base.vapp.dev/<image>
// label on the appliance, and the annotations that carry an exact provenance to the VM's clones.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applianceActions, baseImageLabels } from '../../../../src/controllers/appliance/actions.ts';
import { baseImageStatus } from '../../../../src/controllers/appliance/inventory.ts';
import type { ApplianceSeen, MemberSeen } from '../../../../src/controllers/appliance/observe.ts';
import { appliance, DIGEST_A, DIGEST_B, memberVm } from '../baseimage/fixtures.ts';

function seen(members: Partial<MemberSeen>[], labels: Record<string, string> = {}): ApplianceSeen {
  const a = appliance('shop1', ['db', 'web']);
  a.metadata.labels = labels;
  return {
    appliance: a,
    spec: a.spec,
    ref: { name: 'shop1', namespace: 'apps', uid: 'u1' },
    activeSlot: 'blue',
    planOwnsTraffic: false,
    members: members.map((m, i) => {
      const member = a.spec.members[i];
      if (member === undefined) throw new Error('member');
      const vm = memberVm(`shop1-${member.name}`);
      return { member, vmName: `shop1-${member.name}`, vm, pods: [], labels: {}, ownership: { state: 'ours' }, ...m };
    }),
    services: [],
  };
}
const onA = {
  image: 'golden/fedora',
  name: 'fedora',
  label: 'a1a1a1a1a1a1',
  provenance: {
    determinedBy: 'DataVolumeSource' as const,
    version: DIGEST_A,
    source: 'VolumeSnapshot golden/fedora-a1a1a1a1a1a1',
  },
};
const onB = {
  image: 'golden/fedora',
  name: 'fedora',
  label: 'b2b2b2b2b2b2',
  provenance: { determinedBy: 'Provenance' as const, version: DIGEST_B },
};
const unknown = {
  image: 'golden/fedora',
  name: 'fedora',
  provenance: { determinedBy: 'Unknown' as const, message: 'state it with: kubectl annotate ...' },
};

describe('appliance base images', () => {
  it('labels the appliance with the version its members run, unknown or mixed, and removes stale keys', () => {
    assert.deepEqual(baseImageLabels(seen([{ baseImage: onA }, { baseImage: onA }])), {
      'base.vapp.dev/fedora': 'a1a1a1a1a1a1',
    });
    assert.deepEqual(baseImageLabels(seen([{ baseImage: onA }, { baseImage: onB }])), {
      'base.vapp.dev/fedora': 'mixed',
    });
    assert.deepEqual(baseImageLabels(seen([{ baseImage: onA }, { baseImage: unknown }])), {
      'base.vapp.dev/fedora': 'unknown',
    });
    assert.equal(
      baseImageLabels(seen([{ baseImage: onA }, { baseImage: onA }], { 'base.vapp.dev/fedora': 'a1a1a1a1a1a1' })),
      undefined,
    );
    assert.deepEqual(baseImageLabels(seen([{}, {}], { 'base.vapp.dev/centos': 'x', app: 'shop' })), {
      'base.vapp.dev/centos': null,
    });
  });

  it('records an exact provenance on the VM, for its clones', () => {
    const actions = applianceActions(
      seen([{ baseImage: onA }, { baseImage: unknown }], { 'base.vapp.dev/fedora': 'unknown' }),
    );
    assert.deepEqual(
      actions.filter((a) => a.kind === 'annotateVm'),
      [
        {
          kind: 'annotateVm',
          name: 'shop1-db',
          annotations: {
            'base.vapp.dev/image': 'golden/fedora',
            'base.vapp.dev/version': DIGEST_A,
            'base.vapp.dev/source': 'VolumeSnapshot/golden/fedora-a1a1a1a1a1a1',
          },
        },
      ],
    );
  });

  it('reports the version, its label and how it was learned; an unknown one with how to state it', () => {
    assert.deepEqual(baseImageStatus({ ...onA, displayVersion: '40.1' }), {
      image: 'golden/fedora',
      version: DIGEST_A,
      label: 'a1a1a1a1a1a1',
      displayVersion: '40.1',
      source: 'VolumeSnapshot golden/fedora-a1a1a1a1a1a1',
      determinedBy: 'DataVolumeSource',
    });
    assert.deepEqual(baseImageStatus(unknown), {
      image: 'golden/fedora',
      determinedBy: 'Unknown',
      message: 'state it with: kubectl annotate ...',
    });
    assert.deepEqual(
      baseImageStatus({ image: 'golden/fedora', name: 'fedora', problem: 'BaseImage golden/fedora not found' }),
      {
        image: 'golden/fedora',
        determinedBy: 'Unknown',
        message: 'BaseImage golden/fedora not found',
      },
    );
  });
});
