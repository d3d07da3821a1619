// Bad input never hurts: random and mutated VirtualAppliance and MaintenancePlan manifests (fast-check,
// seeded) sent to the real API server while the operator runs as its own process under its RBAC,
// beside a serving appliance. Each manifest must be refused at admission with a field named, or
// admitted and then reported by the operator (kstatus conditions for the current generation: Ready,
// Stalled, or a plan that failed with a reason); the operator must not crash nor reconcile without
// end, and the serving appliance must keep serving. Shared by the test (fixed seed) and
// scripts/fuzz-manifests.ts (larger runs).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CoreV1Api, type V1Service } from '@kubernetes/client-node';
import fc from 'fast-check';
import type { Condition, MaintenancePlan, VirtualAppliance } from '../../src/api/v1alpha1/index.ts';
import { apiStatus } from '../../src/runtime/errors.ts';
import type { KubeObject } from '../../src/runtime/object.ts';
import { RestClient } from '../../src/runtime/rest.ts';
import { impersonating } from '../../src/sandbox/impersonation.ts';
import { applyManifests } from '../../src/sandbox/manifests.ts';
import { sandboxShop } from '../../src/sandbox/samples.ts';
import { startSimulator } from '../../src/sandbox/simulator/index.ts';
import { startTestCluster } from './cluster.ts';
import {
  hasExited,
  killOperator,
  startOperatorProcessWithMetrics,
  writeOperatorKubeconfig,
} from './operator-process.ts';
import { deployShop, readAppliance } from './shop.ts';
import { waitFor } from './wait.ts';

const NS = 'fuzz';
/** A user with edit rights on the vapp.dev kinds, VMs and Services, but not Jobs: some manifests go as her. */
const USER = 'mallory';
/** VMs and a Service that belong to no appliance: the fuzz's appliances compete for them. */
const FREE_VMS = ['free-1', 'free-2', 'free-3', 'free-4'];
const FREE_SERVICE = 'free-service';

// ---------------------------------------------------------------------------------------------
// Arbitraries

/** Strings that break things: empty, huge, unicode, control characters, path-like, JSON-like. */
const nastyString = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '-',
    'a',
    'A',
    '..',
    '/',
    'shop',
    'shop-db',
    'null',
    '0',
    '{}',
    'Ω≈ç√',
    '🙂',
    '\u0000',
    '\n',
  ),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/),
  fc.integer({ min: 64, max: 300_000 }).map((n) => 'x'.repeat(n)),
);
const nastyNumber = fc.oneof(
  fc.constantFrom(0, -1, 1, 2 ** 31, 2 ** 53, -(2 ** 53), 1e308, 0.5),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
/** Any JSON value, nested a little. */
const anyJson = fc.oneof(
  { depthSize: 'small' },
  nastyString,
  nastyNumber,
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 40 }),
  fc.constant(0).map(() => Array.from({ length: 1000 }, (_, i) => ({ name: `m${String(i)}`, vm: `vm${String(i)}` }))),
);

/** Names that exist (the serving shop's, a foreign one), don't, or cannot. */
const vmName = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom('shop-db', 'shop-app', 'shop-web', 'missing-vm', ...FREE_VMS, ...FREE_VMS),
  },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z]([-a-z0-9]{0,20}[a-z0-9])?$/) },
);
const serviceName = fc.constantFrom('shop-web', 'shop-db', 'missing-service', FREE_SERVICE, FREE_SERVICE);
const dnsLabel = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('db', 'app', 'web', 'postgres', 'root', 'pgdata') },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z]{1,8}$/) },
);
const level = fc.oneof(
  fc.constantFrom('16.4.0', '1.0.0', '0.0.0', '2.4.0-rc.1', '1.26.2', '16.2.0'),
  fc.tuple(fc.nat(30), fc.nat(30), fc.nat(30)).map(([a, b, c]) => `${String(a)}.${String(b)}.${String(c)}`),
);

/** A Job template: restricted-compliant or not, valid for the Job API or not (the API server decides later). */
const jobTemplate = fc.record({
  spec: fc.record({
    backoffLimit: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
    template: fc.record({
      spec: fc.record({
        restartPolicy: fc.constantFrom('Never', 'OnFailure', 'Always', undefined),
        containers: fc.array(
          fc.record({
            name: fc.constantFrom('update', 'check', 'x'),
            image: fc.constantFrom('registry.example.com/x:1', ''),
            securityContext: fc.option(
              fc.constantFrom(
                { privileged: true },
                { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
                { runAsUser: 0 },
              ),
              { nil: undefined },
            ),
          }),
          { minLength: 1, maxLength: 2 },
        ),
        hostNetwork: fc.option(fc.boolean(), { nil: undefined }),
      }),
    }),
  }),
});

const component = fc.record({
  name: dnsLabel,
  level: fc.oneof(
    fc.constant({ annotation: {} }),
    fc.record({ image: fc.record({ volume: dnsLabel }) }),
    fc.record({ guestOS: fc.record({ field: fc.constantFrom('versionId', 'kernelRelease') }) }),
  ),
  update: fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        image: fc.record({ volume: dnsLabel, repository: fc.constant('registry.example.com/shop/db') }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ job: fc.record({ template: jobTemplate }) }) },
  ),
});

const appliance = (name: string) =>
  fc
    .record({
      members: fc.uniqueArray(
        fc.record({
          name: dnsLabel,
          vm: vmName,
          components: fc.uniqueArray(component, { maxLength: 2, selector: (c) => c.name }),
          dataVolumes: fc.option(fc.uniqueArray(dnsLabel, { maxLength: 2 }), { nil: undefined }),
          startOrder: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
        }),
        { minLength: 1, maxLength: 3, selector: (m) => m.name },
      ),
      services: fc.option(fc.uniqueArray(serviceName, { maxLength: 3 }), { nil: undefined }),
    })
    .filter((spec) => new Set(spec.members.map((m) => m.vm)).size === spec.members.length)
    .map((spec) => ({
      apiVersion: 'vapp.dev/v1alpha1',
      kind: 'VirtualAppliance',
      metadata: { name },
      spec: JSON.parse(JSON.stringify(spec)) as unknown,
    }));

const plan = (name: string, appliances: readonly string[]) =>
  fc
    .record({
      appliance: fc.oneof(
        // Few on the serving shop: plans queued on one appliance take their turns one by one.
        { weight: 1, arbitrary: fc.constant('shop') },
        { weight: 2, arbitrary: fc.constant('missing-appliance') },
        { weight: 9, arbitrary: fc.constantFrom(...appliances) },
      ),
      components: fc.uniqueArray(
        fc.record({ name: fc.oneof(fc.constantFrom('postgres', 'app/shop', 'nginx', 'db/postgres'), dnsLabel), level }),
        { minLength: 1, maxLength: 3, selector: (c) => c.name },
      ),
      approval: fc.constantFrom('Automatic', 'Manual', undefined),
      allowDowngrade: fc.option(fc.boolean(), { nil: undefined }),
      window: fc.option(
        fc.record({
          days: fc.option(fc.uniqueArray(fc.constantFrom('mon', 'sat', 'sun'), { minLength: 1 }), { nil: undefined }),
          startTime: fc.constantFrom('02:00', '23:59'),
          endTime: fc.constantFrom('05:00', '00:00'),
          timeZone: fc.constantFrom('Europe/Rome', 'UTC', undefined),
        }),
        { nil: undefined },
      ),
      verify: fc.option(
        fc.oneof(
          fc.record({ timeoutSeconds: fc.integer({ min: 1, max: 600 }) }),
          fc.record({ httpGet: fc.record({ service: serviceName, port: fc.integer({ min: 1, max: 65535 }) }) }),
          fc.record({ job: fc.record({ template: jobTemplate }) }),
        ),
        { nil: undefined },
      ),
      dataSync: fc.option(
        fc.record({ maxRounds: fc.integer({ min: 1, max: 20 }), convergedBelow: fc.constantFrom('64Mi', '1G', 5) }),
        { nil: undefined },
      ),
      rollback: fc.option(
        fc.record({ observeSeconds: fc.integer({ min: 0, max: 10 }), retainOriginalFor: fc.constantFrom('1h', '90m') }),
        { nil: undefined },
      ),
      failedClonePolicy: fc.constantFrom('Delete', 'Retain', undefined),
    })
    .map((spec) => {
      const s = JSON.parse(JSON.stringify(spec)) as Record<string, unknown>;
      return { apiVersion: 'vapp.dev/v1alpha1', kind: 'MaintenancePlan', metadata: { name }, spec: s };
    });

/** One change to a JSON tree: replace, delete or duplicate the value at a random path, or rename the object. */
type Mutation =
  { kind: 'set'; at: number; value: unknown } | { kind: 'delete'; at: number } | { kind: 'name'; name: string };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: anyJson }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('name' as const), name: nastyString }),
);

/** The paths of every value in a JSON tree (below the root). */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return entries.flatMap(([k, v]) => [[...prefix, k], ...paths(v, [...prefix, k])]);
}

function mutate(obj: Record<string, unknown>, m: Mutation): void {
  if (m.kind === 'name') {
    (obj.metadata as Record<string, unknown>).name = m.name;
    return;
  }
  const all = paths(obj.spec).map((p) => ['spec', ...p]);
  if (all.length === 0) return;
  const at = all[m.at % all.length] ?? [];
  let parent = obj as Record<string | number, unknown>;
  for (const key of at.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const key = at[at.length - 1] ?? '';
  if (m.kind === 'delete') {
    if (Array.isArray(parent) && typeof key === 'number') parent.splice(key, 1);
    else Reflect.deleteProperty(parent, key);
  } else parent[key] = m.value;
}

/** The serving shop's components and levels: a plan on the shop targets exactly these, so that it ends in planning. */
const SHOP_LEVELS: Readonly<Record<string, string>> = { postgres: '16.2.0', shop: '2.3.1', nginx: '1.26.2' };

/**
 * The fuzz is about bad input, not maintenances: a plan on the serving shop targets the shop's own
 * levels and allows no downgrade, so it ends in planning (NoChanges, an unknown component or
 * member), and a plan whose mutated targets cannot be read so waits for an approval.
 */
function keepShopServing(manifest: FuzzCase['manifest']): void {
  const spec = manifest.spec as Record<string, unknown> | null | undefined;
  if (manifest.kind !== 'MaintenancePlan' || spec === null || typeof spec !== 'object' || spec.appliance !== 'shop')
    return;
  spec.allowDowngrade = false;
  if (!Array.isArray(spec.components)) return;
  for (const c of spec.components as unknown[]) {
    const target = c as { name?: unknown; level?: unknown } | null;
    if (target !== null && typeof target === 'object' && typeof target.name === 'string') {
      // The shop's own level (NoChanges), or a component it does not run (UnknownComponent).
      target.level = SHOP_LEVELS[target.name.split('/').pop() ?? ''] ?? '1.0.0';
    } else spec.approval = 'Manual';
  }
}

/** A manifest to send: valid-shaped, mutated, or random; and who sends it. */
export interface FuzzCase {
  readonly manifest: KubeObject & { spec?: unknown };
  readonly as: 'admin' | 'user';
}

export function fuzzCases(runs: number, seed: number): FuzzCase[] {
  const applianceNames = Array.from({ length: runs }, (_, i) => `fuzz-${String(i)}`);
  const arb = fc.integer({ min: 0, max: runs - 1 }).chain((i) => {
    const name = `fuzz-${String(i)}`;
    const base = fc.oneof(appliance(name), plan(name, applianceNames.slice(0, 50)));
    const random = fc.record({
      apiVersion: fc.constant('vapp.dev/v1alpha1'),
      kind: fc.constantFrom('VirtualAppliance', 'MaintenancePlan'),
      metadata: fc.constant({ name }),
      spec: anyJson,
    });
    return fc.record({
      manifest: fc.oneof(
        { weight: 4, arbitrary: base },
        {
          weight: 4,
          arbitrary: fc.tuple(base, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([m, ms]) => {
            const copy = structuredClone(m) as Record<string, unknown>;
            for (const x of ms) mutate(copy, x);
            return copy;
          }),
        },
        { weight: 1, arbitrary: random },
      ),
      as: fc.constantFrom('admin' as const, 'admin' as const, 'admin' as const, 'user' as const),
    });
  });
  // Names are made unique afterwards: a sample may repeat an index.
  return fc.sample(arb, { seed, numRuns: runs }).map((c, i) => {
    const manifest = c.manifest as FuzzCase['manifest'];
    keepShopServing(manifest);
    const name = manifest.metadata?.name;
    if (typeof name === 'string' && /^fuzz-\d+$/.test(name))
      manifest.metadata = { ...manifest.metadata, name: `fuzz-${String(i)}` };
    return { manifest, as: c.as };
  });
}

// ---------------------------------------------------------------------------------------------
// The run

export interface FuzzCounts {
  readonly sent: number;
  /** Refused by the API server (schema, CEL rules or the admission policies), a field named. */
  readonly refused: number;
  readonly refusedByPolicy: number;
  /** Admitted objects by what the operator reported. */
  readonly ready: number;
  readonly stalled: number;
  readonly failed: number;
  readonly succeeded: number;
  readonly waiting: number;
  readonly reconciles: number;
  readonly seconds: number;
  /** Reconciles per second once every object was reported (requeues of the waiting ones only). */
  readonly idleReconcilesPerSecond: number;
  /** Admitted objects by kind, outcome and the reason of their Ready condition. */
  readonly reasons: Readonly<Record<string, number>>;
}

export interface FuzzResult {
  readonly counts: FuzzCounts;
  /** What broke a rule: each names the manifest's index and what went wrong. */
  readonly violations: readonly string[];
}

type Reported = VirtualAppliance | MaintenancePlan;

/** Whether the operator reported on the object's current generation, and how. */
function outcome(obj: Reported): 'ready' | 'stalled' | 'failed' | 'succeeded' | 'waiting' | undefined {
  const status = obj.status as { observedGeneration?: number; conditions?: Condition[]; phase?: string } | undefined;
  if (status?.observedGeneration !== obj.metadata.generation) return undefined;
  const ready = status?.conditions?.find((c) => c.type === 'Ready');
  if (ready === undefined || ready.reason === '') return undefined;
  if (obj.kind === 'MaintenancePlan') {
    if (status?.phase === 'Failed') return 'failed';
    if (status?.phase === 'Succeeded') return 'succeeded';
  }
  if (status?.conditions?.some((c) => c.type === 'Stalled' && c.status === 'True')) return 'stalled';
  if (ready.status === 'True') return 'ready';
  return 'waiting';
}

/** A refusal names a field: a cause with a field, or a path such as spec.members[0].vm in the message. */
function namesField(body: unknown): boolean {
  const status = (typeof body === 'string' ? JSON.parse(body) : body) as {
    message?: string;
    details?: { causes?: { field?: string }[] };
  };
  return (
    (status.details?.causes ?? []).some((c) => (c.field ?? '') !== '') ||
    /\b(spec|metadata)(\.|\[)/.test(status.message ?? '')
  );
}

/** controller_runtime_reconcile_total by series (controller and result). */
async function reconcileSeries(metricsUrl: string): Promise<Map<string, number>> {
  const text = await (await fetch(metricsUrl)).text();
  const series = new Map<string, number>();
  for (const m of text.matchAll(/^controller_runtime_reconcile_total(\{[^}]*\}) (\S+)$/gm))
    series.set(m[1] ?? '', Number(m[2]));
  return series;
}

async function reconcileTotal(metricsUrl: string): Promise<number> {
  return [...(await reconcileSeries(metricsUrl)).values()].reduce((a, b) => a + b, 0);
}

const IDLE_WINDOW_MS = 6_000;

/** Reconciles per second over `windowMs`, sampled as it passes. */
async function idleRate(metricsUrl: string, windowMs: number, log: (line: string) => void): Promise<number> {
  const start = Date.now();
  const first = await reconcileSeries(metricsUrl);
  let last = first;
  await waitFor(
    async () => {
      last = await reconcileSeries(metricsUrl);
      return Date.now() - start >= windowMs;
    },
    { what: 'the end of the measurement window', timeoutMs: windowMs * 2, intervalMs: 500 },
  );
  const seconds = (Date.now() - start) / 1000;
  let total = 0;
  for (const [series, value] of last) {
    const delta = value - (first.get(series) ?? 0);
    total += delta;
    if (delta > 0) log(`idle: ${(delta / seconds).toFixed(1)} reconciles/s ${series}`);
  }
  return total / seconds;
}

/** Runs `cases` at `concurrency` against a fresh sandbox; returns counts and violations. */
export async function runManifestFuzz(opts: {
  readonly runs: number;
  readonly seed: number;
  readonly concurrency?: number;
  readonly settleTimeoutMs?: number;
  readonly log?: (line: string) => void;
}): Promise<FuzzResult> {
  const log = opts.log ?? (() => undefined);
  const cluster = await startTestCluster();
  const dir = await mkdtemp(path.join(tmpdir(), 'vapp-fuzz-'));
  const violations: string[] = [];
  try {
    const simulator = await startSimulator({
      kubeConfig: cluster.kubeConfig,
      readyDelayMs: 0,
      volumesDir: path.join(dir, 'volumes'),
      stepDelayMs: 0,
    });
    const operator = await startOperatorProcessWithMetrics({ kubeconfig: await writeOperatorKubeconfig(cluster, dir) });
    try {
      const shop = await deployShop(cluster.kubeConfig, NS);
      const servingSlot = shop.status?.activeSlot;
      const web = (await sandboxShop({ storage: '64Mi' })).find(
        (o) => o.kind === 'VirtualMachine' && o.metadata?.name === 'shop-web',
      ) as KubeObject & { spec: { template: { metadata?: unknown } } };
      await applyManifests(
        cluster.kubeConfig,
        [
          ...FREE_VMS.map((name) => ({
            ...web,
            metadata: { name },
            spec: { ...web.spec, template: { ...web.spec.template, metadata: { labels: { app: name } } } },
          })),
          {
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name: FREE_SERVICE },
            spec: { selector: { app: 'free-1' }, ports: [{ port: 80 }] },
          } as KubeObject,
        ],
        { namespace: NS },
      );
      await applyManifests(cluster.kubeConfig, [
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'Role',
          metadata: { name: USER, namespace: NS },
          rules: [
            { apiGroups: ['vapp.dev'], resources: ['virtualappliances', 'maintenanceplans'], verbs: ['create'] },
            { apiGroups: ['kubevirt.io'], resources: ['virtualmachines'], verbs: ['update'] },
            { apiGroups: [''], resources: ['services'], verbs: ['patch'] },
          ],
        } as KubeObject,
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: USER, namespace: NS },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: USER },
          subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: USER }],
        } as KubeObject,
      ]);
      const adminConfig = cluster.kubeConfig;
      const userConfig = impersonating(cluster.kubeConfig, USER);
      const admin = new RestClient(adminConfig);
      const cases = fuzzCases(opts.runs, opts.seed);
      const before = await reconcileTotal(operator.metricsUrl);
      const started = Date.now();

      let refused = 0;
      let refusedByPolicy = 0;
      const admitted: { index: number; kind: string; name: string }[] = [];
      let next = 0;
      const worker = async (): Promise<void> => {
        // A connection per worker: one HTTP/2 session shared by every worker runs out of its memory
        // allowance on the large error answers (ENHANCE_YOUR_CALM).
        const clients = { admin: new RestClient(adminConfig), user: new RestClient(userConfig) };
        for (let i = next++; i < cases.length; i = next++) {
          const { manifest, as } = cases[i]!;
          const plural = manifest.kind === 'VirtualAppliance' ? 'virtualappliances' : 'maintenanceplans';
          try {
            // Strict, as kubectl sends: an unknown field is refused (naming it), not only warned about
            // in a response header per field.
            const created = await clients[as].request<KubeObject>(
              `/apis/vapp.dev/v1alpha1/namespaces/${NS}/${plural}`,
              { method: 'POST', body: manifest, query: { fieldValidation: 'Strict' } },
            );
            admitted.push({ index: i, kind: plural, name: created.metadata?.name ?? '' });
          } catch (err) {
            const status = apiStatus(err);
            const body = (err as { body?: unknown }).body;
            if (status === undefined || status.code >= 500 || ![400, 403, 409, 413, 422].includes(status.code)) {
              violations.push(
                `#${String(i)}: HTTP ${String(status?.code)} is no admission refusal: ${status?.message ?? String(err)}`,
              );
            } else if (status.code === 409) {
              // metadata.name mutated into the name of an object that exists: AlreadyExists.
              refused++;
            } else if (status.code !== 413 && !namesField(body)) {
              violations.push(`#${String(i)}: refused without naming a field: ${status.message ?? ''}`);
            } else {
              refused++;
              if (status.message?.includes('ValidatingAdmissionPolicy')) refusedByPolicy++;
            }
          }
        }
      };
      await Promise.all(Array.from({ length: opts.concurrency ?? 16 }, worker));
      log(
        `sent ${String(cases.length)} manifests in ${((Date.now() - started) / 1000).toFixed(1)} s: ${String(refused)} refused, ${String(admitted.length)} admitted`,
      );

      // Every admitted object is reported on, for its current generation.
      const outcomes = new Map<number, NonNullable<ReturnType<typeof outcome>>>();
      const reasons = new Map<string, number>();
      const examples = new Map<string, string>();
      let lastSignature = '';
      const list = async (plural: string) =>
        (await admin.request<{ items: Reported[] }>(`/apis/vapp.dev/v1alpha1/namespaces/${NS}/${plural}`)).items;
      try {
        await waitFor(
          async () => {
            if (hasExited(operator.process)) throw new Error('the operator exited');
            const live = new Map<string, Reported>();
            for (const plural of ['virtualappliances', 'maintenanceplans'])
              for (const o of await list(plural)) live.set(`${plural}/${o.metadata.name ?? ''}`, o);
            let missing = 0;
            let signature = '';
            reasons.clear();
            for (const a of admitted) {
              const o = live.get(`${a.kind}/${a.name}`);
              const result = o === undefined ? undefined : outcome(o);
              if (result === undefined) missing++;
              else {
                outcomes.set(a.index, result);
                const reason = o?.status?.conditions.find((c) => c.type === 'Ready')?.reason ?? '';
                const key = `${o?.kind ?? ''} ${result} ${reason}`;
                signature += `${a.name}:${key};`;
                reasons.set(key, (reasons.get(key) ?? 0) + 1);
                if (!examples.has(key)) {
                  const steps =
                    (o?.status as { steps?: { name: string; message?: string }[] } | undefined)?.steps ?? [];
                  const step = steps[steps.length - 1];
                  examples.set(
                    key,
                    `${o?.metadata.name ?? ''}: ${o?.status?.conditions.find((c) => c.type === 'Ready')?.message ?? ''}` +
                      (step ? ` | ${step.name}: ${step.message ?? ''}` : ''),
                  );
                }
              }
            }
            log(`reported ${String(admitted.length - missing)}/${String(admitted.length)}`);
            // Settled: everything reported, and nothing moved since the last look (plans queued behind
            // another on one appliance take their turns meanwhile).
            const settled = missing === 0 && signature === lastSignature;
            lastSignature = signature;
            return settled;
          },
          {
            what: 'every admitted manifest reported by the operator',
            timeoutMs: opts.settleTimeoutMs ?? 120_000,
            intervalMs: 2_000,
          },
        );
      } catch (err) {
        violations.push(`not every admitted manifest was reported: ${(err as Error).message}`);
      }
      for (const [key, message] of examples) log(`${key}: ${message.slice(0, 200)}`);
      const seconds = (Date.now() - started) / 1000;
      const reconciles = (await reconcileTotal(operator.metricsUrl)) - before;
      if (hasExited(operator.process)) violations.push('the operator crashed');

      // A reconcile loop shows once nothing changes any more: a measurement over a quiet window (not
      // a wait for anything). Waiting objects requeue every few seconds; nothing should go faster.
      const idle = await idleRate(operator.metricsUrl, IDLE_WINDOW_MS, log);
      const waitingNow = [...outcomes.values()].filter((o) => o === 'waiting' || o === 'ready').length;
      const idleBound = 10 + waitingNow;
      if (idle > idleBound)
        violations.push(
          `${idle.toFixed(1)} reconciles/s with nothing to do (bound ${String(idleBound)}/s): a reconcile loop`,
        );
      if (hasExited(operator.process)) violations.push('the operator crashed');

      // The serving appliance serves as before: Ready, same slot, every Service selecting it.
      const after = await readAppliance(cluster.kubeConfig, NS);
      // No appliance is left locked by a plan that ended before any cut-over (it would block every
      // later maintenance); a failed clone kept for inspection (Retain) holds it by design.
      for (const a of await list('virtualappliances')) {
        const holder = (a as VirtualAppliance).status?.activePlan;
        if (!holder) continue;
        const held = await admin
          .request<MaintenancePlan>(`/apis/vapp.dev/v1alpha1/namespaces/${NS}/maintenanceplans/${holder}`)
          .catch(() => undefined);
        const phase = held?.status?.phase;
        const ended = phase === 'Failed' || phase === 'Succeeded' || phase === 'Aborted';
        const retained = phase === 'Failed' && held?.spec.failedClonePolicy === 'Retain';
        if (held !== undefined && ended && !retained && held.status?.cutOver?.originalStoppedAt === undefined) {
          const ready = held.status?.conditions.find((c) => c.type === 'Ready');
          violations.push(
            `appliance ${a.metadata.name ?? ''} is still locked by plan ${holder}, which ended ${phase} (${ready?.reason ?? ''}: ${ready?.message ?? ''}) before any cut-over`,
          );
        }
      }
      if (!after.status?.conditions.some((c) => c.type === 'Ready' && c.status === 'True'))
        violations.push(`the serving appliance is not Ready: ${JSON.stringify(after.status?.conditions)}`);
      if (after.status?.activeSlot !== servingSlot)
        violations.push(`the serving appliance moved to ${String(after.status?.activeSlot)}`);
      const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
      for (const name of ['shop-web', 'shop-app', 'shop-db']) {
        const svc: V1Service = await core.readNamespacedService({ namespace: NS, name });
        if (svc.spec?.selector?.['vapp.dev/slot'] !== servingSlot)
          violations.push(`Service ${name} no longer selects the serving slot: ${JSON.stringify(svc.spec?.selector)}`);
      }
      const count = (k: string) => [...outcomes.values()].filter((o) => o === k).length;
      return {
        counts: {
          sent: cases.length,
          refused,
          refusedByPolicy,
          ready: count('ready'),
          stalled: count('stalled'),
          failed: count('failed'),
          succeeded: count('succeeded'),
          waiting: count('waiting'),
          reconciles,
          seconds,
          idleReconcilesPerSecond: Math.round(idle * 10) / 10,
          reasons: Object.fromEntries([...reasons].sort()),
        },
        violations,
      };
    } finally {
      await killOperator(operator.process);
      await simulator.stop();
    }
  } finally {
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
