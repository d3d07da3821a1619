// The Argo CD health checks and actions of config/argocd, run by Argo CD's own code (tools/argocd-lua:
// Argo CD v3.2's util/lua, its gopher-lua VM and settings manager, reading the shipped argocd-cm
// patch) on objects captured from the sandbox in every phase (test/fixtures/argocd/<group>/<Kind>/,
// with expected.yaml beside them). Adding a kind: its scripts in config/argocd/<group>/<Kind>/, its
// captured objects and expected.yaml in test/fixtures/argocd/<group>/<Kind>/.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { PHASES, ROLLOUT_PHASES } from '../../../src/api/v1alpha1/index.ts';
import { readCustomizations } from '../../../src/integrations/argocd.ts';
import type { KubeObject } from '../../../src/runtime/object.ts';
import { argoView, enabledActions, type ArgoActionResult, type ArgoView } from '../../support/argocd.ts';

const ROOT = path.join(import.meta.dirname, '../../fixtures/argocd');

interface Expected {
  readonly health: { readonly status: string; readonly message?: string };
  /** The enabled actions and the merge patch each sends. */
  readonly actions: Readonly<Record<string, unknown>>;
}

interface Kind {
  readonly group: string;
  readonly kind: string;
  readonly fixtures: { readonly file: string; readonly object: KubeObject; readonly expected: Expected }[];
}

function kinds(): Kind[] {
  const dirs = (d: string) => readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory());
  return dirs(ROOT).flatMap((g) =>
    dirs(path.join(ROOT, g.name)).map((k) => {
      const dir = path.join(ROOT, g.name, k.name);
      const expected = parse(readFileSync(path.join(dir, 'expected.yaml'), 'utf8')) as Record<string, Expected>;
      const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'expected.yaml');
      assert.deepEqual(
        files.sort(),
        Object.keys(expected).sort(),
        `${dir}: a fixture without expectation, or the reverse`,
      );
      return {
        group: g.name,
        kind: k.name,
        fixtures: files.map((file) => ({
          file,
          object: parse(readFileSync(path.join(dir, file), 'utf8')) as KubeObject,
          expected: expected[file] as Expected,
        })),
      };
    }),
  );
}

function assertView(what: string, view: ArgoView | undefined, expected: Expected): void {
  assert.ok(view, what);
  assert.equal(view.error, undefined, `${what}: ${view.error ?? ''}`);
  assert.equal(view.health?.status, expected.health.status, `${what}: health (${view.health?.message ?? ''})`);
  if (expected.health.message !== undefined) assert.equal(view.health?.message, expected.health.message, what);
  assert.deepEqual(enabledActions(view), Object.keys(expected.actions).sort(), `${what}: enabled actions`);
  for (const [action, patch] of Object.entries(expected.actions)) {
    const result: ArgoActionResult | undefined = view.results[action];
    assert.equal(result?.error, undefined, `${what} ${action}: ${result?.error ?? ''}`);
    assert.deepEqual(result?.patch, patch, `${what} ${action}: the patch`);
    assert.equal(result?.statusPatch, null, `${what} ${action}: actions never write status`);
  }
}

/** Flux's kstatus convention, which the operator is moving to: Reconciling and Stalled are removed when False. */
function withoutFalseKStatus(obj: KubeObject): KubeObject {
  const o = structuredClone(obj) as KubeObject & { status?: { conditions?: { type: string; status: string }[] } };
  if (o.status?.conditions)
    o.status.conditions = o.status.conditions.filter(
      (c) => !((c.type === 'Reconciling' || c.type === 'Stalled') && c.status === 'False'),
    );
  return o;
}

/** The typed status.cleanup the operator is moving to, in place of a Running Cleanup step. */
function withTypedCleanup(obj: KubeObject): KubeObject | undefined {
  const o = structuredClone(obj) as KubeObject & {
    status?: { steps?: { name: string; state: string; startedAt?: string; message?: string }[]; cleanup?: unknown };
  };
  const step = o.status?.steps?.find((s) => s.name === 'Cleanup' && s.state === 'Running');
  if (o.status === undefined || step === undefined) return undefined;
  const m = /^(\w+) then (\w+) \((\w+)\): (.*)$/s.exec(step.message ?? '');
  o.status.steps = o.status.steps?.filter((s) => s !== step);
  o.status.cleanup = { action: m?.[1], then: m?.[2], reason: m?.[3], message: m?.[4], startedAt: step.startedAt };
  return o;
}

describe('Argo CD health checks and actions, in Argo CD v3.2’s Lua', () => {
  const all = kinds();

  it('every kind with scripts in config/argocd has captured objects and expectations', () => {
    const withFixtures = new Set(all.map((k) => `${k.group}/${k.kind}`));
    for (const c of readCustomizations()) assert.ok(withFixtures.has(`${c.group}/${c.kind}`), `${c.group}/${c.kind}`);
  });

  for (const k of all) {
    it(`${k.group}/${k.kind}: health and actions of each captured object`, async () => {
      const views = await argoView(k.fixtures.map((f) => f.object));
      k.fixtures.forEach((f, i) => assertView(f.file, views[i], f.expected));
    });
  }

  const plans = all.find((k) => k.kind === 'MaintenancePlan');
  assert.ok(plans);

  it('MaintenancePlan: the objects cover every phase, and every action is enabled somewhere and disabled elsewhere', () => {
    const phases = new Set(plans.fixtures.map((f) => (f.object as { status?: { phase?: string } }).status?.phase));
    assert.deepEqual(
      PHASES.filter((p) => !phases.has(p)),
      [],
    );
    const actions =
      readCustomizations()
        .find((c) => c.kind === 'MaintenancePlan')
        ?.actions.map((a) => a.name) ?? [];
    assert.deepEqual(actions, ['abort', 'approve', 'resume', 'rollback', 'suspend']);
    for (const a of actions) {
      assert.ok(
        plans.fixtures.some((f) => a in f.expected.actions),
        `${a} enabled somewhere`,
      );
      assert.ok(
        plans.fixtures.some((f) => !(a in f.expected.actions)),
        `${a} disabled somewhere`,
      );
    }
  });

  it('the same with Reconciling and Stalled removed when False (Flux’s kstatus convention)', async () => {
    for (const k of all.filter((x) => x.group === 'vapp.dev')) {
      const views = await argoView(k.fixtures.map((f) => withoutFalseKStatus(f.object)));
      k.fixtures.forEach((f, i) => assertView(`${f.file} without False Reconciling/Stalled`, views[i], f.expected));
    }
  });

  it('MaintenancePlan: the same with the cleanup in a typed status.cleanup instead of a Cleanup step', async () => {
    const cases = plans.fixtures.flatMap((f) => {
      const o = withTypedCleanup(f.object);
      return o === undefined ? [] : [{ ...f, object: o }];
    });
    assert.ok(cases.length >= 2, 'fixtures with a cleanup under way');
    const views = await argoView(cases.map((c) => c.object));
    cases.forEach((c, i) => assertView(`${c.file} with status.cleanup`, views[i], c.expected));
  });

  it('MaintenancePlan: a plan being deleted is Progressing, as Argo CD shows any object pending deletion', async () => {
    const running = plans.fixtures.find((f) => f.file === 'Syncing.yaml');
    assert.ok(running);
    const deleting = structuredClone(running.object);
    (deleting.metadata ??= {}).deletionTimestamp = '2026-12-01T00:00:00Z';
    const [view] = await argoView([deleting]);
    assert.deepEqual(view?.health, { status: 'Progressing', message: 'Pending deletion' });
  });

  it('approve refuses a plan with nothing previewed, with an error Argo CD shows', async () => {
    const [view] = await argoView([{ ...plans.fixtures[0]?.object, status: undefined }]);
    assert.match(view?.results.approve?.error ?? '', /no status\.preview\.hash to approve/);
  });

  it('MaintenanceRollout: every action is enabled somewhere and disabled elsewhere', () => {
    const rollouts = all.find((k) => k.kind === 'MaintenanceRollout');
    assert.ok(rollouts);
    const actions =
      readCustomizations()
        .find((c) => c.kind === 'MaintenanceRollout')
        ?.actions.map((a) => a.name) ?? [];
    assert.deepEqual(actions, ['abort', 'acknowledge-failures', 'resume', 'suspend']);
    for (const a of actions) {
      assert.ok(
        rollouts.fixtures.some((f) => a in f.expected.actions),
        `${a} enabled somewhere`,
      );
      assert.ok(
        rollouts.fixtures.some((f) => !(a in f.expected.actions)),
        `${a} disabled somewhere`,
      );
    }
  });

  it('MaintenanceRollout and BaseImage: the captured objects reach every health the scripts give, and the rollout phases', () => {
    const healths = (kind: string) =>
      [...new Set(all.find((k) => k.kind === kind)?.fixtures.map((f) => f.expected.health.status))].sort();
    assert.deepEqual(healths('MaintenanceRollout'), ['Degraded', 'Healthy', 'Progressing', 'Suspended']);
    assert.deepEqual(healths('BaseImage'), ['Degraded', 'Healthy', 'Progressing']);
    const rollouts = all.find((k) => k.kind === 'MaintenanceRollout');
    const phases = new Set(rollouts?.fixtures.map((f) => (f.object as { status?: { phase?: string } }).status?.phase));
    // WaitingForWindow is not captured: its health is Progressing's and discovery does not look at it.
    assert.deepEqual(
      ROLLOUT_PHASES.filter((p) => !phases.has(p)),
      ['WaitingForWindow'],
    );
    assert.ok(phases.has(undefined), 'a rollout whose target is still being resolved');
  });

  it('MaintenanceRollout: acknowledge-failures refuses, with an error Argo CD shows, when nothing is left to acknowledge', async () => {
    const rollouts = all.find((k) => k.kind === 'MaintenanceRollout');
    const paused = rollouts?.fixtures.find((f) => f.file === 'Paused.yaml');
    assert.ok(paused);
    const acknowledged = structuredClone(paused.object) as KubeObject & {
      spec: { acknowledgedFailures: number };
      status: { failures: { count: number } };
    };
    const count = acknowledged.status.failures.count;
    assert.ok(count > 0, 'the paused rollout has failures');
    acknowledged.spec.acknowledgedFailures = count;
    const [view] = await argoView([acknowledged]);
    assert.equal(enabledActions(view as ArgoView).includes('acknowledge-failures'), false);
    assert.equal(
      view?.results['acknowledge-failures']?.error,
      `the rollout has no unacknowledged failure (status.failures.count ${String(count)}, spec.acknowledgedFailures ${String(count)})`,
    );
  });

  it('the fixtures are objects as the API server serves them, without managed fields', () => {
    for (const k of all)
      for (const f of k.fixtures) {
        assert.equal(f.object.kind, k.kind, f.file);
        assert.ok(existsSync(path.join(ROOT, k.group, k.kind, f.file)));
        assert.equal((f.object.metadata as { managedFields?: unknown } | undefined)?.managedFields, undefined);
      }
  });
});
