import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type PreviewHashInput,
  PREVIEW_HASH_LENGTH,
  isApproved,
  previewHash,
} from '../../../../src/controllers/maintenance/preview-hash.ts';

const base: PreviewHashInput = {
  appliance: { namespace: 'shop', name: 'shop' },
  updates: [
    { member: 'db', component: 'postgres', from: '16.2.0', to: '16.4.0' },
    { member: 'web', component: 'nginx', from: '1.26.0', to: '1.27.0' },
    { member: 'app', component: 'api', from: '2.0.0', to: '2.1.0' },
  ],
  unchanged: [
    { member: 'db', component: 'os', level: '12' },
    { member: 'app', component: 'os', level: '12' },
  ],
};

describe('previewHash', () => {
  it('is short lower-case hex', () => {
    assert.match(previewHash(base), new RegExp(`^[0-9a-f]{${PREVIEW_HASH_LENGTH}}$`));
  });

  it('does not depend on the order of the lists', () => {
    const shuffled = { ...base, updates: [...base.updates].reverse(), unchanged: [...base.unchanged].reverse() };
    assert.equal(previewHash(shuffled), previewHash(base));
  });

  const first = base.updates[0]!;
  const changes: [string, PreviewHashInput][] = [
    ['member', { ...base, updates: [{ ...first, member: 'db2' }, ...base.updates.slice(1)] }],
    ['component', { ...base, updates: [{ ...first, component: 'pgbouncer' }, ...base.updates.slice(1)] }],
    ['from', { ...base, updates: [{ ...first, from: '16.3.0' }, ...base.updates.slice(1)] }],
    ['to', { ...base, updates: [{ ...first, to: '16.5.0' }, ...base.updates.slice(1)] }],
    ['an update less', { ...base, updates: base.updates.slice(1) }],
    [
      'an update more',
      { ...base, updates: [...base.updates, { member: 'web', component: 'kernel', from: '6.1.0', to: '6.2.0' }] },
    ],
    [
      'an unchanged level',
      { ...base, unchanged: [{ member: 'db', component: 'os', level: '13' }, base.unchanged[1]!] },
    ],
    ['the appliance name', { ...base, appliance: { namespace: 'shop', name: 'shop-staging' } }],
    ['the appliance namespace', { ...base, appliance: { namespace: 'staging', name: 'shop' } }],
    // a field boundary must not be movable: "a/b"+"c" vs "a"+"b/c"
    [
      'where one field ends and the next starts',
      { ...base, updates: [{ ...first, member: 'dbp', component: 'ostgres' }, ...base.updates.slice(1)] },
    ],
  ];
  for (const [what, changed] of changes) {
    it(`changes with ${what}`, () => {
      assert.notEqual(previewHash(changed), previewHash(base));
    });
  }

  it('moving an update into unchanged changes it', () => {
    const moved = {
      ...base,
      updates: base.updates.slice(1),
      unchanged: [...base.unchanged, { member: 'db', component: 'postgres', level: '16.4.0' }],
    };
    assert.notEqual(previewHash(moved), previewHash(base));
  });

  it('approves only the exact hash', () => {
    const hash = previewHash(base);
    assert.equal(isApproved(hash, hash), true);
    assert.equal(isApproved(undefined, hash), false);
    assert.equal(isApproved('', hash), false);
    assert.equal(isApproved(hash.slice(0, -1), hash), false);
  });
});
