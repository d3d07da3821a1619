// The zod schemas refuse bad objects and name the invalid field, apply the same defaults as the CRDs,
// and the parse helpers report every invalid field at once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  InvalidObjectError,
  MaintenancePlanSchema,
  PHASES,
  VirtualApplianceSchema,
  parseMaintenancePlan,
  parseMaintenancePlanSpec,
  parseVirtualAppliance,
  safeParseMaintenancePlan,
  safeParseVirtualAppliance,
} from '../../../src/api/v1alpha1/index.ts';
import { del, get, sampleAppliance, samplePlan, set, type Manifest } from './fixtures.ts';

type Mutate = (o: Manifest) => void;

interface Case {
  readonly name: string;
  readonly base: () => Manifest;
  readonly mutate: Mutate;
  /** The field path the error must name. */
  readonly path: string;
  /** Text the message for that path must contain. */
  readonly message: string;
}

const cases: Case[] = [
  {
    name: 'no members',
    base: sampleAppliance,
    mutate: (o) => set(o, 'spec.members', []),
    path: 'spec.members',
    message: '>=1',
  },
  {
    name: 'duplicate member names',
    base: sampleAppliance,
    mutate: (o) => set(o, 'spec.members[1].name', 'db'),
    path: 'spec.members[1].name',
    message: 'spec.members[].name must be unique',
  },
  {
    name: 'two members on one VM',
    base: sampleAppliance,
    mutate: (o) => set(o, 'spec.members[2].vm', 'shop-db'),
    path: 'spec.members[2].vm',
    message: 'spec.members[].vm must be unique',
  },
  {
    name: 'upper-case member name',
    base: sampleAppliance,
    mutate: (o) => set(o, 'spec.members[0].name', 'DB'),
    path: 'spec.members[0].name',
    message: 'DNS-1123 label',
  },
  {
    name: 'duplicate component names',
    base: sampleAppliance,
    mutate: (o) => set(o, 'spec.members[0].components[1]', get(o, 'spec.members[0].components[0]')),
    path: 'spec.members[0].components[1].name',
    message: 'spec.members[].components[].name must be unique',
  },
  {
    name: 'two level sources',
    base: sampleAppliance,
    mutate: (o) => set(o, 'spec.members[0].components[0].level.image', { volume: 'root' }),
    path: 'spec.members[0].components[0].level',
    message: 'exactly one of: annotation, image, guestOS (annotation and image are set)',
  },
  {
    name: 'no level source',
    base: sampleAppliance,
    mutate: (o) => set(o, 'spec.members[0].components[0].level', {}),
    path: 'spec.members[0].components[0].level',
    message: '(none is set)',
  },
  {
    name: 'no update strategy',
    base: sampleAppliance,
    mutate: (o) => set(o, 'spec.members[0].components[0].update', {}),
    path: 'spec.members[0].components[0].update',
    message: 'exactly one of: image, job',
  },
  {
    name: 'unknown guestOS field',
    base: sampleAppliance,
    mutate: (o) => set(o, 'spec.members[0].components[0].level', { guestOS: { field: 'prettyName' } }),
    path: 'spec.members[0].components[0].level.guestOS.field',
    message: 'versionId',
  },
  {
    name: 'image update of a data volume',
    base: sampleAppliance,
    mutate: (o) => set(o, 'spec.members[0].components[0].update.image.volume', 'pgdata'),
    path: 'spec.members[0].components[0].update.image.volume',
    message: 'dataVolumes',
  },
  {
    name: 'repository with a tag',
    base: sampleAppliance,
    mutate: (o) => set(o, 'spec.members[0].components[0].update.image.repository', 'registry.example.com/shop/db:16'),
    path: 'spec.members[0].components[0].update.image.repository',
    message: 'without tag',
  },
  {
    name: 'job without containers',
    base: sampleAppliance,
    mutate: (o) => set(o, 'spec.members[1].components[0].update.job.template.spec.template.spec.containers', []),
    path: 'spec.members[1].components[0].update.job.template.spec.template.spec.containers',
    message: '>=1',
  },
  {
    name: 'duplicate data volumes',
    base: sampleAppliance,
    mutate: (o) => set(o, 'spec.members[0].dataVolumes', ['pgdata', 'pgdata']),
    path: 'spec.members[0].dataVolumes[1]',
    message: 'must not repeat "pgdata"',
  },
  {
    name: 'duplicate services',
    base: sampleAppliance,
    mutate: (o) => set(o, 'spec.services', ['shop-web', 'shop-web']),
    path: 'spec.services[1]',
    message: 'must not repeat',
  },
  {
    name: 'duplicate days',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.window.days', ['sat', 'sat']),
    path: 'spec.window.days[1]',
    message: 'must not repeat',
  },
  {
    name: 'negative startOrder',
    base: sampleAppliance,
    mutate: (o) => set(o, 'spec.members[0].startOrder', -1),
    path: 'spec.members[0].startOrder',
    message: '>=0',
  },
  {
    name: 'bad semver',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.components[0].level', '16.4'),
    path: 'spec.components[0].level',
    message: 'semantic version',
  },
  {
    name: 'semver with a v',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.components[0].level', 'v16.4.0'),
    path: 'spec.components[0].level',
    message: 'semantic version',
  },
  {
    name: 'duplicate targets',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.components[1].name', 'postgres'),
    path: 'spec.components[1].name',
    message: 'spec.components[].name must be unique',
  },
  {
    name: 'bad target name',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.components[0].name', 'db/postgres/16'),
    path: 'spec.components[0].name',
    message: 'member/component',
  },
  {
    name: 'no targets',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.components', []),
    path: 'spec.components',
    message: 'spec.components must name at least one component unless spec.baseImage is set',
  },
  {
    name: 'missing appliance',
    base: samplePlan,
    mutate: (o) => del(o, 'spec.appliance'),
    path: 'spec.appliance',
    message: 'expected string',
  },
  {
    name: 'unknown approval mode',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.approval', 'Sometimes'),
    path: 'spec.approval',
    message: '"Manual"',
  },
  {
    name: 'unknown time zone',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.window.timeZone', 'Mars/Olympus'),
    path: 'spec.window.timeZone',
    message: 'IANA time zone',
  },
  {
    name: 'Local time zone',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.window.timeZone', 'Local'),
    path: 'spec.window.timeZone',
    message: 'IANA time zone',
  },
  {
    name: 'offset instead of a zone',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.window.timeZone', '+01:00'),
    path: 'spec.window.timeZone',
    message: 'IANA time zone',
  },
  {
    name: 'window time 24:00',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.window.startTime', '24:00'),
    path: 'spec.window.startTime',
    message: 'HH:MM',
  },
  {
    name: 'window time without minutes',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.window.endTime', '5'),
    path: 'spec.window.endTime',
    message: 'HH:MM',
  },
  {
    name: 'empty window',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.window.endTime', get(o, 'spec.window.startTime')),
    path: 'spec.window.endTime',
    message: 'must differ',
  },
  {
    name: 'bad day',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.window.days', ['sat', 'funday']),
    path: 'spec.window.days[1]',
    message: '"sun"',
  },
  {
    name: 'zero maxRounds',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.dataSync.maxRounds', 0),
    path: 'spec.dataSync.maxRounds',
    message: '>=1',
  },
  {
    name: 'negative convergedBelow',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.dataSync.convergedBelow', '-64Mi'),
    path: 'spec.dataSync.convergedBelow',
    message: 'non-negative quantity',
  },
  {
    name: 'negative downtime budget',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.dataSync.downtimeBudgetSeconds', -1),
    path: 'spec.dataSync.downtimeBudgetSeconds',
    message: '>=1',
  },
  {
    name: 'negative observeSeconds',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.rollback.observeSeconds', -5),
    path: 'spec.rollback.observeSeconds',
    message: '>=0',
  },
  {
    name: 'bad duration',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.rollback.retainOriginalFor', '1 day'),
    path: 'spec.rollback.retainOriginalFor',
    message: 'duration',
  },
  {
    name: 'two verify checks',
    base: samplePlan,
    mutate: (o) =>
      set(o, 'spec.verify.job', {
        template: { spec: { template: { spec: { containers: [{ name: 'check', image: 'curl' }] } } } },
      }),
    path: 'spec.verify',
    message: 'at most one of: httpGet, job',
  },
  {
    name: 'port out of range',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.verify.httpGet.port', 70000),
    path: 'spec.verify.httpGet.port',
    message: '<=65535',
  },
  {
    name: 'fractional timeout',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.verify.timeoutSeconds', 1.5),
    path: 'spec.verify.timeoutSeconds',
    message: 'int',
  },
];

function parse(obj: Manifest) {
  return obj.kind === 'VirtualAppliance' ? safeParseVirtualAppliance(obj) : safeParseMaintenancePlan(obj);
}

describe('zod schemas', () => {
  describe('refuse bad objects and name the field', () => {
    for (const c of cases) {
      it(c.name, () => {
        const obj = c.base();
        c.mutate(obj);
        const result = parse(obj);
        assert.equal(result.ok, false, 'refused');
        const issue = result.error.issues.find((i) => i.path === c.path);
        assert.ok(issue, `an issue at ${c.path}; got ${result.error.message}`);
        assert.match(issue.message, new RegExp(c.message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
        assert.match(result.error.message, new RegExp(`^  ${c.path.replace(/[.[\]]/g, '\\$&')}: `, 'm'));
      });
    }
  });

  it('accept every field of the samples unchanged and apply the defaults of the CRDs', () => {
    const plan = parseMaintenancePlan({
      ...samplePlan(),
      spec: { appliance: 'shop', components: [{ name: 'postgres', level: '16.4.0' }] },
    });
    assert.deepEqual(plan.spec, {
      appliance: 'shop',
      components: [{ name: 'postgres', level: '16.4.0' }],
      allowDowngrade: false,
      approval: 'Automatic',
      verify: { timeoutSeconds: 900 },
      dataSync: { maxRounds: 5, convergedBelow: '64Mi', downtimeBudgetSeconds: 60 },
      rollback: { automatic: true, observeSeconds: 600, retainOriginalFor: '24h' },
      failedClonePolicy: 'Delete',
      suspend: false,
      cutOverHold: false,
      abort: false,
      rollbackNow: false,
    });
    const vapp = parseVirtualAppliance({ ...sampleAppliance(), spec: { members: [{ name: 'db', vm: 'shop-db' }] } });
    assert.deepEqual(vapp.spec, {
      members: [{ name: 'db', vm: 'shop-db', components: [], dataVolumes: [], startOrder: 0 }],
      services: [],
    });
  });

  it('default window days to every day and the time zone to UTC', () => {
    const plan = parseMaintenancePlan({
      ...samplePlan(),
      spec: { ...samplePlan().spec, window: { startTime: '22:00', endTime: '02:00' } },
    });
    assert.deepEqual(plan.spec.window, {
      days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
      startTime: '22:00',
      endTime: '02:00',
      timeZone: 'UTC',
    });
  });

  it('accept a quantity written as an integer and semver pre-releases and build metadata', () => {
    const obj = samplePlan();
    set(obj, 'spec.dataSync.convergedBelow', 67108864);
    set(obj, 'spec.components[0].level', '16.4.0-rc.1+build.5');
    assert.equal(safeParseMaintenancePlan(obj).ok, true);
  });

  it('report every invalid field in one error', () => {
    const obj = samplePlan();
    set(obj, 'spec.components[0].level', '1.x');
    set(obj, 'spec.window.timeZone', 'Nowhere/Town');
    set(obj, 'spec.approval', 'Maybe');
    assert.throws(
      () => parseMaintenancePlan(obj),
      (err: unknown) => {
        assert.ok(err instanceof InvalidObjectError);
        assert.equal(err.kind, 'MaintenancePlan');
        assert.equal(err.objectName, 'shop-2026-11');
        assert.deepEqual(err.issues.map((i) => i.path).sort(), [
          'spec.approval',
          'spec.components[0].level',
          'spec.window.timeZone',
        ]);
        assert.match(err.message, /^invalid MaintenancePlan shop-2026-11: 3 invalid fields:\n {2}spec\./);
        return true;
      },
    );
  });

  it('name spec paths when a spec is parsed alone', () => {
    assert.throws(
      () => parseMaintenancePlanSpec({ appliance: 'shop', components: [{ name: 'x', level: 'latest' }] }),
      /spec\.components\[0\]\.level: must be a semantic version/,
    );
  });

  it('refuse objects of the wrong kind or apiVersion', () => {
    assert.equal(VirtualApplianceSchema.safeParse({ ...samplePlan(), spec: sampleAppliance().spec }).success, false);
    assert.equal(MaintenancePlanSchema.safeParse({ ...samplePlan(), apiVersion: 'vapp.dev/v1' }).success, false);
  });

  it('validate the status the operator writes', () => {
    const plan = parseMaintenancePlan({
      ...samplePlan(),
      status: {
        observedGeneration: 1,
        phase: 'Syncing',
        progress: '5/8',
        preview: {
          hash: 'abc',
          updates: [{ member: 'db', component: 'postgres', from: '16.2.0', to: '16.4.0' }],
          unchanged: [{ member: 'web', component: 'nginx', level: '1.26.2' }],
        },
        syncRounds: [{ round: 1, bytes: 1048576, seconds: 2.5 }],
        conditions: [
          {
            type: 'Ready',
            status: 'False',
            lastTransitionTime: '2026-11-22T02:00:00Z',
            reason: 'Syncing',
            message: 'round 1 of 5',
            observedGeneration: 1,
          },
        ],
      },
    });
    assert.equal(plan.status?.phase, 'Syncing');
    assert.deepEqual(plan.status.steps, []);
    const bad = safeParseMaintenancePlan({
      ...samplePlan(),
      status: { phase: 'Sleeping', conditions: [{ type: 'Ready', status: 'Yes' }] },
    });
    assert.equal(bad.ok, false);
    const paths = bad.error.issues.map((i) => i.path);
    for (const p of [
      'status.phase',
      'status.conditions[0].status',
      'status.conditions[0].lastTransitionTime',
      'status.conditions[0].reason',
    ])
      assert.ok(paths.includes(p), `${p} in ${paths.join(', ')}`);
    assert.equal(PHASES.length, 17);
  });
});
