import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { comparableLevel, compareLevels } from '../../../../src/controllers/maintenance/level-compare.ts';
import {
  type ApplianceMemberSpec,
  type ApplianceMemberStatus,
  type PlanInput,
  diffPlan,
} from '../../../../src/controllers/maintenance/diff.ts';

const annotation = { annotation: {} };
const kernel = { guestOS: { field: 'kernelRelease' as const } };
const osVersion = { guestOS: { field: 'versionId' as const } };

// The shop appliance: db runs postgres and os, app runs api and os, web runs nginx and kernel.
const members: ApplianceMemberSpec[] = [
  {
    name: 'db',
    components: [
      { name: 'postgres', level: annotation },
      { name: 'os', level: osVersion },
    ],
  },
  {
    name: 'app',
    components: [
      { name: 'api', level: annotation },
      { name: 'os', level: osVersion },
    ],
  },
  {
    name: 'web',
    components: [
      { name: 'nginx', level: annotation },
      { name: 'kernel', level: kernel },
    ],
  },
];
const inventory: ApplianceMemberStatus[] = [
  {
    name: 'db',
    components: [
      { name: 'postgres', level: '16.2.0' },
      { name: 'os', level: '12' },
    ],
  },
  {
    name: 'app',
    components: [
      { name: 'api', level: '2.0.0-rc.1' },
      { name: 'os', level: '12.5' },
    ],
  },
  {
    name: 'web',
    components: [
      { name: 'nginx', level: 'latest' },
      { name: 'kernel', level: '6.1.0-27-amd64' },
    ],
  },
];

function diff(
  targets: PlanInput['targets'],
  allowDowngrade = false,
  inv: readonly ApplianceMemberStatus[] = inventory,
) {
  return diffPlan({ targets, members, inventory: inv, allowDowngrade });
}

describe('comparableLevel', () => {
  const cases: { live: string; source?: typeof kernel; want: string | null; coerced?: boolean }[] = [
    { live: '16.2.0', want: '16.2.0', coerced: false },
    { live: 'v16.2.0', want: '16.2.0', coerced: false },
    { live: '16.4.0-rc.1', want: '16.4.0-rc.1', coerced: false },
    { live: '16', want: '16.0.0', coerced: true },
    { live: '16.2', want: '16.2.0', coerced: true },
    { live: '16.2-alpine', want: '16.2.0', coerced: true },
    { live: '2024.01.15', want: '2024.1.15', coerced: true },
    // valid semver (a pre-release of 6.1.0) from an annotation, but a distro build from the guest agent
    { live: '6.1.0-27-amd64', want: '6.1.0-27-amd64', coerced: false },
    { live: '6.1.0-27-amd64', source: kernel, want: '6.1.0', coerced: true },
    { live: '22.04', source: kernel, want: '22.4.0', coerced: true },
    { live: 'latest', want: null },
    { live: 'sha-1234', want: null },
    { live: '1.2.3.4', want: null },
    { live: '', want: null },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.live)}${c.source ? ' from the guest agent' : ''} -> ${c.want ?? 'not comparable'}`, () => {
      const got = comparableLevel(c.live, c.source);
      if (c.want === null) assert.ok('problem' in got, JSON.stringify(got));
      else assert.deepEqual(got, { version: c.want, coerced: c.coerced });
    });
  }

  it('orders pre-releases below their release and ignores build metadata', () => {
    assert.deepEqual(compareLevels('16.4.0-rc.1', '16.4.0'), { order: -1 });
    assert.deepEqual(compareLevels('16.4.0+build.7', '16.4.0'), { order: 0 });
    assert.deepEqual(compareLevels('16.10.0', '16.9.0'), { order: 1 });
  });
});

describe('diffPlan', () => {
  it('lists updates and unchanged components with their member, in target order', () => {
    const d = diff([
      { name: 'postgres', level: '16.4.0' },
      { name: 'db/os', level: '12.0.0' },
      { name: 'api', level: '2.0.0' },
    ]);
    assert.deepEqual(d, {
      updates: [
        { member: 'db', component: 'postgres', from: '16.2.0', to: '16.4.0' },
        { member: 'app', component: 'api', from: '2.0.0-rc.1', to: '2.0.0' },
      ],
      unchanged: [{ member: 'db', component: 'os', level: '12' }],
      problems: [],
    });
  });

  it('has nothing to do when every target is already reached (the caller completes with NoChanges)', () => {
    const d = diff([
      { name: 'postgres', level: '16.2.0' },
      { name: 'kernel', level: '6.1.0' },
      { name: 'app/os', level: '12.5.0' },
    ]);
    assert.equal(d.updates.length, 0);
    assert.equal(d.problems.length, 0);
    assert.deepEqual(
      d.unchanged.map((u) => `${u.member}/${u.component}@${u.level}`),
      ['db/postgres@16.2.0', 'web/kernel@6.1.0-27-amd64', 'app/os@12.5'],
    );
  });

  it('updates a guest OS level by its leading numbers', () => {
    assert.deepEqual(diff([{ name: 'kernel', level: '6.1.1' }]).updates, [
      { member: 'web', component: 'kernel', from: '6.1.0-27-amd64', to: '6.1.1' },
    ]);
    assert.deepEqual(diff([{ name: 'db/os', level: '13.0.0' }]).updates, [
      { member: 'db', component: 'os', from: '12', to: '13.0.0' },
    ]);
  });

  it('refuses a downgrade unless allowDowngrade', () => {
    const refused = diff([{ name: 'postgres', level: '16.1.0' }]);
    assert.deepEqual(refused.updates, []);
    assert.deepEqual(refused.problems, [
      {
        kind: 'DowngradeNotAllowed',
        target: 'postgres',
        message: 'postgres: target 16.1.0 is below the current 16.2.0; set allowDowngrade to allow it',
        transient: false,
      },
    ]);
    const allowed = diff([{ name: 'postgres', level: '16.1.0' }], true);
    assert.deepEqual(allowed.updates, [{ member: 'db', component: 'postgres', from: '16.2.0', to: '16.1.0' }]);
    assert.deepEqual(allowed.problems, []);
  });

  it('treats a release target over a live pre-release as an update, a pre-release target over the release as a downgrade', () => {
    assert.equal(diff([{ name: 'api', level: '2.0.0' }]).updates.length, 1);
    assert.equal(diff([{ name: 'api', level: '2.0.0-beta.1' }]).problems[0]?.kind, 'DowngradeNotAllowed');
  });

  const problems: {
    name: string;
    targets: PlanInput['targets'];
    inventory?: ApplianceMemberStatus[];
    kind: string;
    message: RegExp;
    transient?: boolean;
  }[] = [
    {
      name: 'an unknown component',
      targets: [{ name: 'mysql', level: '8.0.0' }],
      kind: 'UnknownComponent',
      message: /^mysql: no member of the appliance runs a component mysql$/,
    },
    {
      name: 'an unknown component of a member',
      targets: [{ name: 'db/mysql', level: '8.0.0' }],
      kind: 'UnknownComponent',
      message: /^db\/mysql: member db runs no component mysql \(it runs: postgres, os\)$/,
    },
    {
      name: 'an unknown member',
      targets: [{ name: 'cache/redis', level: '7.0.0' }],
      kind: 'UnknownMember',
      message: /^cache\/redis: the appliance has no member cache \(members: db, app, web\)$/,
    },
    {
      name: 'a component on several members',
      targets: [{ name: 'os', level: '13.0.0' }],
      kind: 'AmbiguousComponent',
      message: /^os: several members run a component os; name one as db\/os or app\/os$/,
    },
    {
      name: 'a level not read yet',
      targets: [{ name: 'postgres', level: '16.4.0' }],
      inventory: [{ name: 'db', components: [{ name: 'postgres' }] }],
      kind: 'LevelNotRead',
      message: /^postgres: the current level of db\/postgres has not been read yet/,
      transient: true,
    },
    {
      name: 'a member missing from the inventory',
      targets: [{ name: 'postgres', level: '16.4.0' }],
      inventory: [],
      kind: 'LevelNotRead',
      message: /db\/postgres has not been read yet/,
      transient: true,
    },
    {
      name: 'a live level that is not a version',
      targets: [{ name: 'nginx', level: '1.27.0' }],
      kind: 'LevelNotComparable',
      message:
        /^nginx: the current level of web\/nginx cannot be compared with the target 1\.27\.0: "latest" is not a semantic version/,
    },
    {
      name: 'two targets naming the same component',
      targets: [
        { name: 'postgres', level: '16.4.0' },
        { name: 'db/postgres', level: '16.3.0' },
      ],
      kind: 'DuplicateTarget',
      message: /^db\/postgres: names the same component as the target postgres; keep one of them$/,
    },
  ];
  for (const p of problems) {
    it(`reports ${p.name}`, () => {
      const d = diff(p.targets, false, p.inventory);
      const last = d.problems.at(-1);
      assert.equal(d.problems.length, 1, JSON.stringify(d.problems));
      assert.equal(last?.kind, p.kind);
      assert.match(last.message, p.message);
      assert.equal(last.transient, p.transient ?? false);
    });
  }

  it('reports every problem and still lists what it could diff', () => {
    const d = diff([
      { name: 'postgres', level: '16.4.0' },
      { name: 'mysql', level: '8.0.0' },
      { name: 'os', level: '13.0.0' },
    ]);
    assert.equal(d.updates.length, 1);
    assert.deepEqual(
      d.problems.map((p) => p.kind),
      ['UnknownComponent', 'AmbiguousComponent'],
    );
  });
});
