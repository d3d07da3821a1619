import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { faultsFor, faultsFromAnnotations } from '../../../../../src/sandbox/simulator/storage/faults.ts';
import { FileLocks } from '../../../../../src/sandbox/simulator/storage/files.ts';
import { Freezer } from '../../../../../src/sandbox/simulator/storage/freezer.ts';
import { ledgerFile, pvcFile, snapshotFile } from '../../../../../src/sandbox/simulator/storage/paths.ts';
import {
  kubevirtSnapshotClass,
  provisionedBytes,
  snapshotClassFor,
} from '../../../../../src/sandbox/simulator/storage/classes.ts';
import { boundStatus, pvcSource, requestedBytes } from '../../../../../src/sandbox/simulator/storage/pvc.ts';
import { StepClock } from '../../../../../src/sandbox/simulator/storage/steps.ts';
import { isWriting, mountedClaims, workloadRate } from '../../../../../src/sandbox/simulator/workload/workload.ts';
import { pvc, vm, vmi } from './fixtures.ts';

const annotated = (annotations: Record<string, string>) => ({ metadata: { annotations } });

describe('storage faults', () => {
  it('reads each annotation; "true" gives a default message, other values are the message', () => {
    assert.deepEqual(
      faultsFromAnnotations(
        annotated({
          'sim.vapp.dev/snapshot-failure': 'true',
          'sim.vapp.dev/quiesce-failed': 'true',
          'sim.vapp.dev/snapshot-exclude-volumes': 'data, logs',
          'sim.vapp.dev/clone-failure': 'no space',
          'sim.vapp.dev/update-failure': 'true',
          'sim.vapp.dev/update-no-effect': 'true',
          'sim.vapp.dev/sync-failure': 'transient',
          'sim.vapp.dev/step-delay-ms': '250',
        }),
      ),
      {
        snapshotFailure: 'simulated snapshot failure',
        quiesceFailed: 'vss',
        excludeVolumes: ['data', 'logs'],
        cloneFailure: 'no space',
        updateFailure: 'simulated update failure',
        updateNoEffect: true,
        syncFailure: 'transient',
        stepDelayMs: 250,
      },
    );
    assert.deepEqual(
      faultsFromAnnotations(
        annotated({
          'sim.vapp.dev/sync-failure': 'yes',
          'sim.vapp.dev/step-delay-ms': 'soon',
          'sim.vapp.dev/clone-failure': 'false',
        }),
      ),
      { syncFailure: 'permanent' },
    );
    assert.deepEqual(faultsFromAnnotations(undefined), {});
  });

  it('the object wins over the related VM, the option wins over both', () => {
    const snap = annotated({ 'sim.vapp.dev/snapshot-failure': 'mine' });
    const source = annotated({ 'sim.vapp.dev/snapshot-failure': 'the VM', 'sim.vapp.dev/quiesce-failed': 'true' });
    assert.deepEqual(faultsFor(snap, [source]), { snapshotFailure: 'mine', quiesceFailed: 'vss' });
    assert.deepEqual(
      faultsFor(snap, [source], () => ({ quiesceFailed: 'error' })),
      { snapshotFailure: 'mine', quiesceFailed: 'error' },
    );
    // The option is asked about the related objects too: a fault forced on a Job reaches its Pod.
    const job = { kind: 'Job', metadata: { name: 'upd' } };
    assert.deepEqual(
      faultsFor({ kind: 'Pod', metadata: { name: 'upd-x1' } }, [job], (o) =>
        o.kind === 'Job' ? { updateFailure: 'forced' } : undefined,
      ),
      { updateFailure: 'forced' },
    );
  });
});

describe('volumes', () => {
  it('lay out files by namespace and refuse names that would escape', () => {
    assert.equal(pvcFile('/v', 'shop', 'db-data'), '/v/shop/db-data.img');
    assert.equal(ledgerFile('/v', 'shop', 'db-data'), '/v/shop/db-data.ledger.jsonl');
    assert.equal(snapshotFile('/v', 'shop', 's1'), '/v/shop/snapshots/s1.img');
    assert.throws(() => pvcFile('/v', 'shop', '../etc'));
    assert.throws(() => pvcFile('/v', '..', 'x'));
  });

  it('size from the request, source from dataSourceRef or dataSource, bound status', () => {
    assert.equal(requestedBytes(pvc('a', '10Gi')), 10 * 1024 ** 3);
    assert.equal(requestedBytes(pvc('a', '1.5M')), 1_500_000);
    assert.deepEqual(pvcSource(pvc('a')), { kind: 'empty' });
    assert.deepEqual(
      pvcSource({ spec: { dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 's' } } }),
      { kind: 'snapshot', name: 's' },
    );
    assert.deepEqual(pvcSource({ spec: { dataSourceRef: { kind: 'PersistentVolumeClaim', name: 'p' } } }), {
      kind: 'pvc',
      name: 'p',
    });
    // CDI's populators fill their PVCs (the sandbox's cdi/); another populator is not simulated.
    assert.equal(
      pvcSource({ spec: { dataSourceRef: { apiGroup: 'cdi.kubevirt.io', kind: 'VolumeImportSource', name: 'i' } } })
        .kind,
      'populator',
    );
    assert.equal(
      pvcSource({ spec: { dataSourceRef: { apiGroup: 'example.com', kind: 'Backup', name: 'b' } } }).kind,
      'unsupported',
    );
    assert.deepEqual(boundStatus(pvc('a', '2Gi'), 3 * 2 ** 30), {
      phase: 'Bound',
      accessModes: ['ReadWriteOnce'],
      capacity: { storage: '3Gi' },
    });
  });

  it('a driver provisions whole units of its granularity; classes resolve as the snapshot controller and KubeVirt do', () => {
    const block = {
      metadata: { name: 'b' },
      provisioner: 'block',
      parameters: { 'sim.vapp.dev/capacity-granularity': '1Gi' },
    };
    assert.equal(provisionedBytes(1, block), 2 ** 30);
    assert.equal(provisionedBytes(2 ** 30 + 1, block), 2 ** 31);
    assert.equal(provisionedBytes(1000, undefined), 1000);
    const def = {
      metadata: { name: 'd', annotations: { 'snapshot.storage.kubernetes.io/is-default-class': 'true' } },
      driver: 'local',
      deletionPolicy: 'Delete',
    };
    const other = { metadata: { name: 'o' }, driver: 'block', deletionPolicy: 'Delete' };
    assert.deepEqual(snapshotClassFor(undefined, 'local', [def, other]), { class: def });
    assert.deepEqual(snapshotClassFor(undefined, 'block', [def, other]), {
      error: 'cannot find default snapshot class',
    });
    assert.deepEqual(
      snapshotClassFor(undefined, 'local', [def, { ...def, metadata: { ...def.metadata, name: 'd2' } }]),
      {
        error: '2 default snapshot classes were found',
      },
    );
    assert.deepEqual(snapshotClassFor('o', 'block', [def, other]), { class: other });
    assert.equal(kubevirtSnapshotClass('block', [def, other]), other, 'the one class of the driver');
    assert.equal(kubevirtSnapshotClass('nfs', [def, other]), undefined, 'no class: not snapshottable');
  });

  it('file locks serialize holders of the same file and not of others', async () => {
    const locks = new FileLocks();
    const order: string[] = [];
    let releaseFirst!: () => void;
    const first = locks.with(
      ['a'],
      () =>
        new Promise<void>((r) => {
          order.push('first in');
          releaseFirst = () => {
            order.push('first out');
            r();
          };
        }),
    );
    const second = locks.with(['b', 'a'], () => {
      order.push('second');
      return Promise.resolve();
    });
    const other = locks.with(['c'], () => {
      order.push('other');
      return Promise.resolve();
    });
    await other;
    assert.deepEqual(order, ['first in', 'other']);
    releaseFirst();
    await Promise.all([first, second]);
    assert.deepEqual(order, ['first in', 'other', 'first out', 'second']);
  });

  it('freezer: a VM stays frozen while any snapshot holds it', () => {
    const f = new Freezer();
    f.freeze('shop/s1', 'shop/db');
    f.freeze('shop/s2', 'shop/db');
    assert.ok(f.isFrozen('shop/db'));
    assert.ok(!f.isFrozen('shop/web'));
    f.thaw('shop/s1');
    assert.ok(f.isFrozen('shop/db'));
    f.thaw('shop/s2');
    assert.ok(!f.isFrozen('shop/db'));
  });

  it('step clock: a step is due its delay after it was first asked for', () => {
    let now = 1000;
    const clock = new StepClock(() => now);
    assert.equal(clock.remaining('k', 'ready', 0), 0);
    assert.equal(clock.remaining('k', 'ready', 300), 300);
    now = 1200;
    assert.equal(clock.remaining('k', 'ready', 300), 100);
    now = 1400;
    assert.equal(clock.remaining('k', 'ready', 300), 0);
    clock.forget('k');
    assert.equal(clock.remaining('k', 'ready', 300), 300);
  });
});

describe('workload decisions', () => {
  it('writes while the annotated VM runs, not once it is asked to stop', () => {
    assert.equal(workloadRate(vm()), 10);
    assert.equal(workloadRate(undefined), 0);
    assert.deepEqual(
      mountedClaims({ ...vmi(), spec: { domain: { devices: {} }, volumes: vm().spec.template.spec!.volumes! } }),
      ['db-pgdata', 'db-logs'],
    );
    assert.ok(isWriting(vm(), vmi()));
    assert.ok(
      !isWriting({ ...vm(), spec: { ...vm().spec, runStrategy: 'Halted' } }, vmi()),
      'halted: no write even while the VMI is still there',
    );
    assert.ok(!isWriting(vm(), vmi({ phase: 'Scheduled' })));
    assert.ok(!isWriting(vm(), undefined));
    const quiet = vm();
    delete quiet.metadata!.annotations!['sim.vapp.dev/workload'];
    assert.ok(!isWriting(quiet, vmi()));
  });
});
