// The CRDs in crds/ as the API server enforces them: bad manifests are refused with the field named,
// the plan's spec is immutable except approvedHash, suspend, abort, rollbackNow and cutOverHold, every sample (the KubeVirt
// VMs included) is accepted, defaults are applied and kubectl get shows the printer columns.
// Each refused create is also checked against the zod schemas: both name the same field.
import assert from 'node:assert/strict';
import { request, type RequestOptions } from 'node:https';
import { after, before, describe, it } from 'node:test';
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  type KubernetesObject,
} from '@kubernetes/client-node';
import {
  safeParseBaseImage,
  safeParseMaintenancePlan,
  safeParseMaintenanceRollout,
  safeParseVirtualAppliance,
} from '../../../src/api/v1alpha1/index.ts';
import { startTestCluster, type TestCluster } from '../../support/cluster.ts';
import {
  del,
  get,
  loadSamples,
  sampleAppliance,
  sampleBaseImage,
  samplePlan,
  sampleRollout,
  set,
  type Manifest,
} from '../../unit/api/fixtures.ts';

const NAMESPACE = 'crd-validation';

interface StatusCause {
  readonly field?: string;
  readonly message?: string;
  readonly reason?: string;
}

/** What the API server answered to a refused request: the code, the message kubectl prints and the causes. */
interface Refusal {
  readonly code: number;
  readonly message: string;
  readonly causes: readonly StatusCause[];
}

async function refusal(attempt: Promise<unknown>): Promise<Refusal> {
  try {
    await attempt;
  } catch (err) {
    if (!(err instanceof ApiException)) throw err;
    const body = JSON.parse(String(err.body)) as { message?: string; details?: { causes?: StatusCause[] } };
    return { code: err.code, message: body.message ?? '', causes: body.details?.causes ?? [] };
  }
  assert.fail('the API server accepted the object');
}

/** Asserts that the API server refused with 422, naming `path` in a cause and in the message users see. */
function assertNamesField(r: Refusal, path: string, text: string): void {
  assert.equal(r.code, 422, r.message);
  const cause = r.causes.find((c) => c.field === path);
  assert.ok(cause, `a cause for ${path}; got ${JSON.stringify(r.causes)}`);
  assert.ok(
    `${cause.reason ?? ''}: ${cause.message ?? ''}`.includes(text),
    `cause for ${path} says "${text}": ${cause.message ?? ''}`,
  );
  assert.ok(r.message.includes(`${path}: `), `the message names ${path}: ${r.message}`);
}

type Mutate = (o: Manifest) => void;

interface CreateCase {
  readonly name: string;
  readonly base: () => Manifest;
  readonly mutate: Mutate;
  /** Field path that the API server names. */
  readonly path: string;
  /** Text of the API server's message for that field. */
  readonly says: string;
  /** Field path of zod's issue, when zod names an item inside `path` (lists checked by CEL as a whole). */
  readonly zodPath?: string;
}

const JOB = {
  template: {
    spec: {
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'check', image: 'curlimages/curl:8.11.0' }] } },
    },
  },
};

const createCases: CreateCase[] = [
  {
    name: 'a rollout without a target',
    base: sampleRollout,
    mutate: (o) => set(o, 'spec.target', {}),
    path: 'spec.target.components',
    says: 'spec.target must name at least one component or a baseImage',
  },
  {
    name: 'a rollout budget given as a bad percentage',
    base: sampleRollout,
    mutate: (o) => set(o, 'spec.maxUnavailable', '150%'),
    path: 'spec.maxUnavailable',
    says: 'should match',
  },
  {
    name: 'bad semver level',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.components[0].level', '16.4'),
    path: 'spec.components[0].level',
    says: 'should match',
  },
  {
    name: 'semver level with a v prefix',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.components[0].level', 'v16.4.0'),
    path: 'spec.components[0].level',
    says: 'should match',
  },
  {
    name: 'duplicate member names',
    base: sampleAppliance,
    mutate: (o) => set(o, 'spec.members[1].name', 'db'),
    path: 'spec.members',
    says: 'spec.members[].name must be unique',
    zodPath: 'spec.members[1].name',
  },
  {
    name: 'two members on one VM',
    base: sampleAppliance,
    mutate: (o) => set(o, 'spec.members[2].vm', 'shop-db'),
    path: 'spec.members',
    says: 'spec.members[].vm must be unique',
    zodPath: 'spec.members[2].vm',
  },
  {
    name: 'duplicate component names',
    base: sampleAppliance,
    mutate: (o) => set(o, 'spec.members[0].components[1]', get(o, 'spec.members[0].components[0]')),
    path: 'spec.members[0].components',
    says: 'spec.members[].components[].name must be unique',
    zodPath: 'spec.members[0].components[1].name',
  },
  {
    name: 'two level sources',
    base: sampleAppliance,
    mutate: (o) => set(o, 'spec.members[0].components[0].level.image', { volume: 'root' }),
    path: 'spec.members[0].components[0].level',
    says: 'must set exactly one of: annotation, image, guestOS',
  },
  {
    name: 'no level source',
    base: sampleAppliance,
    mutate: (o) => set(o, 'spec.members[2].components[0].level', {}),
    path: 'spec.members[2].components[0].level',
    says: 'must set exactly one of: annotation, image, guestOS',
  },
  {
    name: 'missing update strategy',
    base: sampleAppliance,
    mutate: (o) => set(o, 'spec.members[0].components[0].update', {}),
    path: 'spec.members[0].components[0].update',
    says: 'must set exactly one of: image, job',
  },
  {
    name: 'two update strategies',
    base: sampleAppliance,
    mutate: (o) => set(o, 'spec.members[0].components[0].update.job', JOB),
    path: 'spec.members[0].components[0].update',
    says: 'must set exactly one of: image, job',
  },
  {
    name: 'image update of a data volume',
    base: sampleAppliance,
    mutate: (o) => set(o, 'spec.members[0].components[0].update.image.volume', 'pgdata'),
    path: 'spec.members[0]',
    says: "must not be one of the member's dataVolumes",
    zodPath: 'spec.members[0].components[0].update.image.volume',
  },
  {
    name: 'unknown guestOS field',
    base: sampleAppliance,
    mutate: (o) => set(o, 'spec.members[2].components[0].level', { guestOS: { field: 'prettyName' } }),
    path: 'spec.members[2].components[0].level.guestOS.field',
    says: 'Unsupported value',
  },
  {
    name: 'repository with a tag',
    base: sampleAppliance,
    mutate: (o) => set(o, 'spec.members[0].components[0].update.image.repository', 'registry.example.com/shop/db:16'),
    path: 'spec.members[0].components[0].update.image.repository',
    says: 'should match',
  },
  {
    name: 'no members',
    base: sampleAppliance,
    mutate: (o) => set(o, 'spec.members', []),
    path: 'spec.members',
    says: 'should have at least 1 items',
  },
  {
    name: 'negative startOrder',
    base: sampleAppliance,
    mutate: (o) => set(o, 'spec.members[1].startOrder', -1),
    path: 'spec.members[1].startOrder',
    says: 'greater than or equal to 0',
  },
  {
    name: 'duplicate data volumes',
    base: sampleAppliance,
    mutate: (o) => set(o, 'spec.members[0].dataVolumes', ['pgdata', 'pgdata']),
    path: 'spec.members[0].dataVolumes[1]',
    says: 'Duplicate value',
  },
  {
    name: 'unknown approval mode',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.approval', 'Sometimes'),
    path: 'spec.approval',
    says: 'Unsupported value: "Sometimes"',
  },
  {
    name: 'unknown failed clone policy',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.failedClonePolicy', 'Keep'),
    path: 'spec.failedClonePolicy',
    says: 'Unsupported value: "Keep"',
  },
  {
    name: 'unknown time zone',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.window.timeZone', 'Mars/Olympus'),
    path: 'spec.window.timeZone',
    says: 'spec.window.timeZone must be an IANA time zone name',
  },
  {
    name: "the server's Local time zone",
    base: samplePlan,
    mutate: (o) => set(o, 'spec.window.timeZone', 'Local'),
    path: 'spec.window.timeZone',
    says: 'spec.window.timeZone must be an IANA time zone name',
  },
  {
    name: 'UTC offset instead of a time zone',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.window.timeZone', '+01:00'),
    path: 'spec.window.timeZone',
    says: 'should match',
  },
  {
    name: 'window time 24:00',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.window.startTime', '24:00'),
    path: 'spec.window.startTime',
    says: 'should match',
  },
  {
    name: 'window time 5am',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.window.endTime', '5am'),
    path: 'spec.window.endTime',
    says: 'should match',
  },
  {
    name: 'empty window',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.window.endTime', '02:00'),
    path: 'spec.window.endTime',
    says: 'must differ from spec.window.startTime',
  },
  {
    name: 'bad day',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.window.days', ['sat', 'funday']),
    path: 'spec.window.days[1]',
    says: 'Unsupported value: "funday"',
  },
  {
    name: 'duplicate target components',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.components[1].name', 'postgres'),
    path: 'spec.components',
    says: 'spec.components[].name must be unique',
    zodPath: 'spec.components[1].name',
  },
  {
    name: 'target name with two slashes',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.components[0].name', 'db/postgres/16'),
    path: 'spec.components[0].name',
    says: 'should match',
  },
  {
    name: 'missing appliance',
    base: samplePlan,
    mutate: (o) => del(o, 'spec.appliance'),
    path: 'spec.appliance',
    says: 'Required value',
  },
  {
    name: 'negative maxRounds',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.dataSync.maxRounds', -3),
    path: 'spec.dataSync.maxRounds',
    says: 'greater than or equal to 1',
  },
  {
    name: 'negative convergedBelow quantity',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.dataSync.convergedBelow', '-64Mi'),
    path: 'spec.dataSync.convergedBelow',
    says: 'should match',
  },
  {
    name: 'negative convergedBelow integer',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.dataSync.convergedBelow', -1),
    path: 'spec.dataSync.convergedBelow',
    says: 'greater than or equal to 0',
  },
  {
    name: 'negative downtime budget',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.dataSync.downtimeBudgetSeconds', -60),
    path: 'spec.dataSync.downtimeBudgetSeconds',
    says: 'greater than or equal to 1',
  },
  {
    name: 'negative observeSeconds',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.rollback.observeSeconds', -1),
    path: 'spec.rollback.observeSeconds',
    says: 'greater than or equal to 0',
  },
  {
    name: 'retention that is not a duration',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.rollback.retainOriginalFor', '1 day'),
    path: 'spec.rollback.retainOriginalFor',
    says: 'should match',
  },
  {
    name: 'two verify checks',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.verify.job', JOB),
    path: 'spec.verify',
    says: 'spec.verify may set at most one of: httpGet, job',
  },
  {
    name: 'port out of range',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.verify.httpGet.port', 70000),
    path: 'spec.verify.httpGet.port',
    says: 'less than or equal to 65535',
  },
  {
    name: 'zero verify timeout',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.verify.timeoutSeconds', 0),
    path: 'spec.verify.timeoutSeconds',
    says: 'greater than or equal to 1',
  },
  // Base images.
  {
    name: 'a BaseImage with two sources',
    base: sampleBaseImage,
    mutate: (o) => set(o, 'spec.source.containerDisk', { repository: 'registry.example.com/os/fedora', tags: ['40'] }),
    path: 'spec.source',
    says: 'spec.source must set exactly one of: dataSource, containerDisk, explicit',
  },
  {
    name: 'a BaseImage with no source',
    base: sampleBaseImage,
    mutate: (o) => set(o, 'spec.source', {}),
    path: 'spec.source',
    says: 'spec.source must set exactly one of: dataSource, containerDisk, explicit',
  },
  {
    name: 'a version listed by hand in a PVC and a VolumeSnapshot',
    base: sampleBaseImage,
    mutate: (o) =>
      set(o, 'spec.source', {
        explicit: { versions: [{ version: '40.1', pvc: { name: 'fedora-40-1' }, snapshot: { name: 'fedora-40-1' } }] },
      }),
    path: 'spec.source.explicit.versions[0]',
    says: 'may set at most one of: pvc, snapshot',
  },
  {
    name: 'a member whose root volume is also a data volume',
    base: sampleAppliance,
    mutate: (o) =>
      set(o, 'spec.members[0].baseImage', { ref: { name: 'fedora', namespace: 'golden-images' }, volume: 'pgdata' }),
    path: 'spec.members[0].baseImage.volume',
    says: "spec.members[].baseImage.volume must not be one of the member's dataVolumes: a rebase replaces the root disk",
  },
  {
    name: 'a rebase onto "latest"',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.baseImage', { ref: { name: 'fedora', namespace: 'golden-images' }, version: 'latest' }),
    path: 'spec.baseImage.version',
    says: 'spec.baseImage.version must be a concrete version',
  },
  {
    name: 'a plan with neither components nor a base image',
    base: samplePlan,
    mutate: (o) => set(o, 'spec.components', []),
    path: 'spec.components',
    says: 'spec.components must name at least one component unless spec.baseImage is set',
  },
];

interface UpdateCase {
  readonly name: string;
  /** The plan as created (default: the sample). */
  readonly base?: () => Manifest;
  readonly mutate: Mutate;
  readonly path: string;
  readonly says: string;
}

const IMMUTABLE = 'is immutable: only approvedHash, suspend, abort, rollbackNow and cutOverHold may change';
const planWithoutWindow = (): Manifest => {
  const p = samplePlan();
  del(p, 'spec.window');
  return p;
};

const updateCases: UpdateCase[] = [
  {
    name: 'changing a target level',
    mutate: (o) => set(o, 'spec.components[0].level', '17.0.0'),
    path: 'spec.components',
    says: `spec.components ${IMMUTABLE}`,
  },
  {
    name: 'adding a target',
    mutate: (o) => set(o, 'spec.components[3]', { name: 'db/postgres-exporter', level: '0.16.0' }),
    path: 'spec.components',
    says: `spec.components ${IMMUTABLE}`,
  },
  {
    name: 'changing the appliance',
    mutate: (o) => set(o, 'spec.appliance', 'other-shop'),
    path: 'spec.appliance',
    says: `spec.appliance ${IMMUTABLE}`,
  },
  {
    name: 'changing the window',
    mutate: (o) => set(o, 'spec.window.startTime', '01:00'),
    path: 'spec.window',
    says: `spec.window ${IMMUTABLE}`,
  },
  {
    name: 'removing the window',
    mutate: (o) => del(o, 'spec.window'),
    path: 'spec.window',
    says: `spec.window ${IMMUTABLE}`,
  },
  {
    name: 'adding a window',
    base: planWithoutWindow,
    mutate: (o) => set(o, 'spec.window', { startTime: '02:00', endTime: '05:00' }),
    path: 'spec.window',
    says: `spec.window ${IMMUTABLE}`,
  },
  {
    name: 'switching approval to Manual',
    mutate: (o) => set(o, 'spec.approval', 'Manual'),
    path: 'spec.approval',
    says: `spec.approval ${IMMUTABLE}`,
  },
  {
    name: 'allowing downgrades',
    mutate: (o) => set(o, 'spec.allowDowngrade', true),
    path: 'spec.allowDowngrade',
    says: `spec.allowDowngrade ${IMMUTABLE}`,
  },
  {
    name: 'retaining a failed clone after all',
    mutate: (o) => set(o, 'spec.failedClonePolicy', 'Retain'),
    path: 'spec.failedClonePolicy',
    says: `spec.failedClonePolicy ${IMMUTABLE}`,
  },
  {
    name: 'changing the checks',
    mutate: (o) => set(o, 'spec.verify.httpGet.path', '/'),
    path: 'spec.verify',
    says: `spec.verify ${IMMUTABLE}`,
  },
  {
    name: 'changing the data sync',
    mutate: (o) => set(o, 'spec.dataSync.maxRounds', 9),
    path: 'spec.dataSync',
    says: `spec.dataSync ${IMMUTABLE}`,
  },
  {
    name: 'removing the HTTP check',
    mutate: (o) => del(o, 'spec.verify.httpGet'),
    path: 'spec.verify',
    says: `spec.verify ${IMMUTABLE}`,
  },
  {
    name: 'changing the convergence threshold',
    mutate: (o) => set(o, 'spec.dataSync.convergedBelow', '1Gi'),
    path: 'spec.dataSync',
    says: `spec.dataSync ${IMMUTABLE}`,
  },
  {
    name: 'changing the rollback',
    mutate: (o) => set(o, 'spec.rollback.automatic', false),
    path: 'spec.rollback',
    says: `spec.rollback ${IMMUTABLE}`,
  },
];

function withName(obj: Manifest, name: string): Manifest {
  obj.metadata = { ...obj.metadata, name, namespace: NAMESPACE };
  return obj;
}

const asObject = (m: Manifest): KubernetesObject => m;

describe('CRD validation by the API server', () => {
  let cluster: TestCluster;
  let objects: KubernetesObjectApi;

  before(async () => {
    cluster = await startTestCluster();
    objects = KubernetesObjectApi.makeApiClient(cluster.kubeConfig);
    await cluster.kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NAMESPACE } } });
  });
  after(async () => cluster.stop());

  describe('refuses a bad manifest on create, naming the field (and so does zod)', () => {
    createCases.forEach((c, i) => {
      it(c.name, async () => {
        const obj = withName(c.base(), `bad-${i}`);
        c.mutate(obj);
        const r = await refusal(objects.create(asObject(obj)));
        assertNamesField(r, c.path, c.says);

        const zod =
          obj.kind === 'VirtualAppliance'
            ? safeParseVirtualAppliance(obj)
            : obj.kind === 'BaseImage'
              ? safeParseBaseImage(obj)
              : obj.kind === 'MaintenanceRollout'
                ? safeParseMaintenanceRollout(obj)
                : safeParseMaintenancePlan(obj);
        assert.equal(zod.ok, false, 'zod refuses it too');
        const zodPath = c.zodPath ?? c.path;
        assert.ok(
          zod.error.issues.some((issue) => issue.path === zodPath),
          `zod names ${zodPath}: ${zod.error.message}`,
        );
      });
    });
  });

  describe("refuses changes to a plan's spec after creation", () => {
    updateCases.forEach((c, i) => {
      it(c.name, async () => {
        await objects.create(asObject(withName((c.base ?? samplePlan)(), `immutable-${i}`)));
        const live = (await objects.read({
          apiVersion: 'vapp.dev/v1alpha1',
          kind: 'MaintenancePlan',
          metadata: { name: `immutable-${i}`, namespace: NAMESPACE },
        })) as unknown as Manifest;
        c.mutate(live);
        const r = await refusal(objects.replace(asObject(live)));
        assertNamesField(r, c.path, c.says);
      });
    });
  });

  it('accepts changes to approvedHash, suspend, cutOverHold, abort and rollbackNow, but not taking an abort or a rollback request back', async () => {
    const header = {
      apiVersion: 'vapp.dev/v1alpha1',
      kind: 'MaintenancePlan',
      metadata: { name: 'mutable', namespace: NAMESPACE },
    };
    await objects.create(asObject(withName(samplePlan(), 'mutable')));
    const change = async (mutate: Mutate) => {
      const live = (await objects.read(header)) as unknown as Manifest;
      mutate(live);
      return (await objects.replace(asObject(live))) as unknown as Manifest;
    };
    assert.equal(
      get(await change((o) => set(o, 'spec.approvedHash', 'sha256-3f9a')), 'spec.approvedHash'),
      'sha256-3f9a',
    );
    assert.equal(
      get(await change((o) => set(o, 'spec.approvedHash', 'sha256-77b0')), 'spec.approvedHash'),
      'sha256-77b0',
    );
    assert.equal(get(await change((o) => set(o, 'spec.suspend', true)), 'spec.suspend'), true);
    assert.equal(get(await change((o) => set(o, 'spec.suspend', false)), 'spec.suspend'), false);
    assert.equal(get(await change((o) => set(o, 'spec.cutOverHold', true)), 'spec.cutOverHold'), true);
    assert.equal(get(await change((o) => set(o, 'spec.cutOverHold', false)), 'spec.cutOverHold'), false);
    assert.equal(get(await change((o) => set(o, 'metadata.labels', { team: 'shop' })), 'metadata.labels.team'), 'shop');
    assert.equal(get(await change((o) => set(o, 'spec.abort', true)), 'spec.abort'), true);
    assert.equal(get(await change((o) => set(o, 'spec.rollbackNow', true)), 'spec.rollbackNow'), true);

    for (const field of ['abort', 'rollbackNow']) {
      const live = (await objects.read(header)) as unknown as Manifest;
      set(live, `spec.${field}`, false);
      assertNamesField(
        await refusal(objects.replace(asObject(live))),
        `spec.${field}`,
        `spec.${field} cannot be set back to false`,
      );
    }
  });

  it('accepts the rollout sample; its acknowledgedFailures only grows and an abort stays', async () => {
    const header = {
      apiVersion: 'vapp.dev/v1alpha1',
      kind: 'MaintenanceRollout',
      metadata: { name: 'fleet', namespace: NAMESPACE },
    };
    await objects.create(asObject(withName(sampleRollout(), 'fleet')));
    const change = async (mutate: Mutate) => {
      const live = (await objects.read(header)) as unknown as Manifest;
      mutate(live);
      return (await objects.replace(asObject(live))) as unknown as Manifest;
    };
    assert.equal(get(await change((o) => set(o, 'spec.acknowledgedFailures', 2)), 'spec.acknowledgedFailures'), 2);
    assertNamesField(
      await refusal(change((o) => set(o, 'spec.acknowledgedFailures', 1))),
      'spec.acknowledgedFailures',
      'spec.acknowledgedFailures may only grow',
    );
    assert.equal(get(await change((o) => set(o, 'spec.abort', true)), 'spec.abort'), true);
    assertNamesField(
      await refusal(change((o) => set(o, 'spec.abort', false))),
      'spec.abort',
      'spec.abort cannot be set back to false',
    );
  });

  it('accepts every sample, the KubeVirt VirtualMachines included', async () => {
    const created: string[] = [];
    for (const sample of loadSamples()) {
      const obj = { ...sample, metadata: { ...sample.metadata, namespace: NAMESPACE } };
      await objects.create(asObject(obj));
      created.push(`${obj.kind}/${obj.metadata.name}`);
    }
    assert.deepEqual(created, [
      'PersistentVolumeClaim/shop-db-pgdata',
      'VirtualMachine/shop-db',
      'VirtualMachine/shop-app',
      'VirtualMachine/shop-web',
      'Service/shop-web',
      'Service/shop-app',
      'Service/shop-db',
      'VirtualAppliance/shop',
      'MaintenancePlan/shop-2026-11',
    ]);
    // Nothing of the VMs was pruned: KubeVirt's schema knows every field the samples set.
    const vm = sample('VirtualMachine', 'shop-db');
    const live = await objects.read({
      apiVersion: 'kubevirt.io/v1',
      kind: 'VirtualMachine',
      metadata: { name: 'shop-db', namespace: NAMESPACE },
    });
    assert.deepEqual((live as unknown as Manifest).spec, vm.spec);
  });

  it('applies the defaults of the schemas', async () => {
    const plan = withName(samplePlan(), 'defaults');
    plan.spec = {
      appliance: 'shop',
      components: [{ name: 'postgres', level: '16.4.0' }],
      window: { startTime: '22:00', endTime: '04:00' },
    };
    const live = (await objects.create(asObject(plan))) as unknown as Manifest;
    assert.deepEqual(live.spec, {
      appliance: 'shop',
      components: [{ name: 'postgres', level: '16.4.0' }],
      allowDowngrade: false,
      approval: 'Automatic',
      window: {
        startTime: '22:00',
        endTime: '04:00',
        days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
        timeZone: 'UTC',
      },
      verify: { timeoutSeconds: 900 },
      dataSync: { maxRounds: 5, convergedBelow: '64Mi', downtimeBudgetSeconds: 60 },
      rollback: { automatic: true, observeSeconds: 600, retainOriginalFor: '24h' },
      failedClonePolicy: 'Delete',
      suspend: false,
      cutOverHold: false,
      abort: false,
      rollbackNow: false,
    });
    const vapp = withName(sampleAppliance(), 'defaults');
    vapp.spec = { members: [{ name: 'db', vm: 'shop-db' }] };
    const liveVapp = (await objects.create(asObject(vapp))) as unknown as Manifest;
    assert.deepEqual(liveVapp.spec, {
      members: [{ name: 'db', vm: 'shop-db', components: [], dataVolumes: [], startOrder: 0 }],
      services: [],
    });
  });

  it('validates the status subresource and shows it in kubectl get columns', async () => {
    const custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
    const plan = withName(samplePlan(), 'columns');
    await objects.create(asObject(plan));
    const ref = {
      group: 'vapp.dev',
      version: 'v1alpha1',
      namespace: NAMESPACE,
      plural: 'maintenanceplans',
      name: 'columns',
    };
    const status = {
      observedGeneration: 1,
      phase: 'Syncing',
      progress: '5/8',
      downtimeSeconds: 0,
      syncRounds: [{ round: 1, bytes: 734003200, seconds: 41.5 }],
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'Syncing',
          message: 'pre-copy round 2 of 5',
          lastTransitionTime: '2026-11-22T02:00:00Z',
          observedGeneration: 1,
        },
      ],
    };
    await custom.patchNamespacedCustomObjectStatus({ ...ref, body: [{ op: 'add', path: '/status', value: status }] });
    const bad = await refusal(
      custom.patchNamespacedCustomObjectStatus({
        ...ref,
        body: [{ op: 'replace', path: '/status/phase', value: 'Sleeping' }],
      }),
    );
    assertNamesField(bad, 'status.phase', 'Unsupported value: "Sleeping"');

    const table = await getTable(`/apis/vapp.dev/v1alpha1/namespaces/${NAMESPACE}/maintenanceplans/columns`);
    const cells = Object.fromEntries(table.columnDefinitions.map((c, i) => [c.name, table.rows[0]!.cells[i]]));
    assert.deepEqual(
      {
        Name: cells.Name,
        Appliance: cells.Appliance,
        Phase: cells.Phase,
        Progress: cells.Progress,
        Downtime: cells.Downtime,
        Message: cells.Message,
      },
      {
        Name: 'columns',
        Appliance: 'shop',
        Phase: 'Syncing',
        Progress: '5/8',
        Downtime: 0,
        Message: 'pre-copy round 2 of 5',
      },
    );
  });

  async function getTable(
    path: string,
  ): Promise<{ columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] }> {
    const url = new URL(cluster.kubeConfig.getCurrentCluster()!.server);
    const opts: RequestOptions = {
      hostname: url.hostname,
      port: url.port,
      path,
      headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' },
    };
    await cluster.kubeConfig.applyToHTTPSOptions(opts);
    return new Promise((resolve, reject) => {
      request(opts, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(JSON.parse(body) as never)
            : reject(new Error(`${String(res.statusCode)}: ${body}`)),
        );
      })
        .on('error', reject)
        .end();
    });
  }
});

function sample(kind: string, name: string): Manifest {
  const found = loadSamples().find((o) => o.kind === kind && o.metadata.name === name);
  assert.ok(found, `${kind}/${name} in config/samples`);
  return found;
}
