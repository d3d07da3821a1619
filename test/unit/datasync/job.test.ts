// The datasync Job as a reviewer checks it: non-root, read-only root filesystem, volumes attached
// the right way for their mode, limits, the command line, and the result read back from the Pod.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import {
  DATASYNC_GO_ANNOTATION,
  buildDatasyncJob,
  datasyncResultFromPod,
  isPermanentFailure,
  parseTerminationMessage,
  type DatasyncJobOptions,
} from '../../../src/datasync/job.ts';
import type { SyncSummary } from '../../../src/datasync/summary.ts';

const base: DatasyncJobOptions = {
  name: 'sync-web-1',
  namespace: 'appliances',
  image: 'ghcr.io/example/vapp-operator:0.1.0',
  source: { claimName: 'web-data-snap', volumeMode: 'Block' },
  target: { claimName: 'web-data-replica', volumeMode: 'Block' },
};

function podSpec(o: DatasyncJobOptions) {
  const spec = buildDatasyncJob(o).spec?.template.spec;
  assert.ok(spec);
  const container = spec.containers[0];
  assert.ok(container);
  assert.equal(spec.containers.length, 1);
  return { spec, container };
}

describe('buildDatasyncJob', () => {
  it('runs as non-root with a read-only root filesystem, no privilege escalation and no capabilities', () => {
    const { spec, container } = podSpec(base);
    const pod = spec.securityContext;
    const ctr = container.securityContext;
    assert.ok(pod && ctr);
    assert.equal(pod.runAsNonRoot, true);
    assert.equal(pod.runAsUser, 107);
    assert.equal(pod.fsGroup, 107);
    assert.equal(ctr.runAsNonRoot, true);
    assert.equal(ctr.readOnlyRootFilesystem, true);
    assert.equal(ctr.allowPrivilegeEscalation, false);
    assert.deepEqual(ctr.capabilities?.drop, ['ALL']);
    assert.equal(ctr.privileged, undefined);
    assert.equal(spec.automountServiceAccountToken, false);
    assert.equal(spec.restartPolicy, 'Never');
  });

  it('attaches block volumes as volumeDevices, the source read-only', () => {
    const { spec, container } = podSpec(base);
    assert.deepEqual(container.volumeDevices, [
      { name: 'source', devicePath: '/dev/vapp-datasync/source' },
      { name: 'target', devicePath: '/dev/vapp-datasync/target' },
    ]);
    assert.equal(container.volumeMounts, undefined);
    assert.deepEqual(spec.volumes, [
      { name: 'source', persistentVolumeClaim: { claimName: 'web-data-snap', readOnly: true } },
      { name: 'target', persistentVolumeClaim: { claimName: 'web-data-replica', readOnly: false } },
    ]);
    assert.deepEqual(container.command, ['vapp-operator', 'datasync']);
    assert.deepEqual(container.args, [
      '--source',
      '/dev/vapp-datasync/source',
      '--target',
      '/dev/vapp-datasync/target',
      '--progress',
      'none',
      '--termination-log',
      '/dev/termination-log',
      '--verify',
    ]);
  });

  it('mounts filesystem volumes and points at the image inside them', () => {
    const { container } = podSpec({
      ...base,
      source: { claimName: 'snap', volumeMode: 'Filesystem' },
      target: { claimName: 'replica', volumeMode: 'Filesystem', imagePath: 'images/data.img' },
      verify: false,
      blockSize: 65536,
    });
    assert.equal(container.volumeDevices, undefined);
    assert.deepEqual(container.volumeMounts, [
      { name: 'source', mountPath: '/mnt/source', readOnly: true },
      { name: 'target', mountPath: '/mnt/target', readOnly: false },
    ]);
    assert.deepEqual(container.args, [
      '--source',
      '/mnt/source/disk.img',
      '--target',
      '/mnt/target/images/data.img',
      '--progress',
      'none',
      '--termination-log',
      '/dev/termination-log',
      '--block-size',
      '65536',
    ]);
    assert.throws(
      () =>
        buildDatasyncJob({ ...base, target: { claimName: 'x', volumeMode: 'Filesystem', imagePath: '../etc/passwd' } }),
      /invalid imagePath/,
    );
  });

  it('mixes modes, and mounts a ConfigMap change list for ranges mode', () => {
    const { spec, container } = podSpec({
      ...base,
      target: { claimName: 'replica', volumeMode: 'Filesystem' },
      ranges: { configMapName: 'web-delta', key: 'delta' },
    });
    assert.deepEqual(container.volumeDevices, [{ name: 'source', devicePath: '/dev/vapp-datasync/source' }]);
    assert.deepEqual(
      container.volumeMounts?.map((m) => [m.name, m.mountPath, m.readOnly]),
      [
        ['target', '/mnt/target', false],
        ['ranges', '/etc/vapp-datasync', true],
      ],
    );
    assert.deepEqual(spec.volumes?.at(-1), {
      name: 'ranges',
      configMap: { name: 'web-delta', items: [{ key: 'delta', path: 'ranges.json' }] },
    });
    assert.deepEqual(container.args?.slice(-2), ['--ranges', '/etc/vapp-datasync/ranges.json']);
  });

  it('prepares a warm worker: pinned to the node, waiting for the go annotation, verifying what it writes', () => {
    const { spec, container } = podSpec({ ...base, verify: 'written', waitForGo: true, node: 'node-a' });
    assert.deepEqual(spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms, [
      { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-a'] }] },
    ]);
    assert.deepEqual(spec.volumes?.at(-1), {
      name: 'go',
      downwardAPI: {
        items: [{ path: 'go', fieldRef: { fieldPath: `metadata.annotations['${DATASYNC_GO_ANNOTATION}']` } }],
      },
    });
    const args = container.args ?? [];
    assert.deepEqual(args.slice(args.indexOf('--verify'), args.indexOf('--verify') + 2), ['--verify', 'written']);
    assert.deepEqual(args.slice(-2), ['--wait-for-go', '/etc/vapp-datasync-go/go']);
    assert.equal(spec.automountServiceAccountToken, false, 'no API access needed for the go');
  });

  it('asks the SnapshotMetadata service with an audience-scoped token only, never an API token', () => {
    const { spec, container } = podSpec({
      ...base,
      changedBlocks: {
        address: '10.0.0.9:6443',
        caCert: 'Q0E=',
        audience: 'backup',
        baseSnapshotId: 'snap-1',
        targetSnapshotName: 'round-2',
        serviceAccountName: 'vapp-datasync',
      },
    });
    assert.equal(spec.serviceAccountName, 'vapp-datasync');
    assert.equal(spec.automountServiceAccountToken, false);
    const token = spec.volumes?.find((v) => v.projected !== undefined);
    assert.deepEqual(token?.projected?.sources, [
      { serviceAccountToken: { audience: 'backup', expirationSeconds: 600, path: 'token' } },
    ]);
    const mount = container.volumeMounts?.find((m) => m.name === token?.name);
    assert.equal(mount?.readOnly, true);
    const args = container.args ?? [];
    const flag = (f: string) => args[args.indexOf(f) + 1];
    assert.equal(flag('--csi-address'), '10.0.0.9:6443');
    assert.equal(flag('--csi-token-file'), `${mount?.mountPath ?? ''}/token`);
    assert.equal(flag('--csi-namespace'), 'appliances');
    assert.equal(flag('--csi-base-snapshot-id'), 'snap-1');
    assert.equal(flag('--csi-target-snapshot'), 'round-2');
    assert.deepEqual(container.env, [{ name: 'SNAPSHOT_METADATA_CA_CERT', value: 'Q0E=' }]);
    assert.equal(podSpec(base).spec.serviceAccountName, undefined, 'no ServiceAccount without changed blocks');
  });

  it('sets resource requests and limits, overridable', () => {
    assert.deepEqual(podSpec(base).container.resources, {
      requests: { cpu: '500m', memory: '192Mi' },
      limits: { cpu: '2', memory: '256Mi' },
    });
    const custom = { limits: { memory: '1Gi' } };
    assert.deepEqual(podSpec({ ...base, resources: custom }).container.resources, custom);
  });

  it('reports through the termination message and fails at once on errors a retry cannot fix', () => {
    const job = buildDatasyncJob({
      ...base,
      backoffLimit: 5,
      activeDeadlineSeconds: 600,
      labels: { 'vapp.example.com/plan': 'p1' },
    });
    const { container } = podSpec(base);
    assert.equal(container.terminationMessagePath, '/dev/termination-log');
    assert.equal(container.terminationMessagePolicy, 'FallbackToLogsOnError');
    assert.equal(container.image, base.image);
    assert.deepEqual(job.metadata, {
      name: 'sync-web-1',
      namespace: 'appliances',
      labels: {
        'app.kubernetes.io/name': 'vapp-operator',
        'app.kubernetes.io/component': 'datasync',
        'vapp.example.com/plan': 'p1',
      },
    });
    const spec = job.spec;
    assert.ok(spec);
    assert.equal(spec.backoffLimit, 5);
    assert.equal(spec.activeDeadlineSeconds, 600);
    assert.deepEqual(spec.podFailurePolicy?.rules, [
      { action: 'FailJob', onExitCodes: { containerName: 'datasync', operator: 'In', values: [2] } },
    ]);
    assert.deepEqual(spec.template.metadata?.labels, job.metadata.labels);
  });
});

const summary: SyncSummary = {
  ok: true,
  mode: 'compare',
  source: '/dev/vapp-datasync/source',
  target: '/dev/vapp-datasync/target',
  sourceKind: 'block',
  targetKind: 'block',
  sourceBytes: 10737418240,
  targetBytesBefore: 10737418240,
  targetBytesAfter: 10737418240,
  blockSize: 4096,
  bytesRead: 21474836480,
  bytesCompared: 10737418240,
  bytesWritten: 4096000,
  changedBlocks: 1000,
  seconds: 12.5,
  mibPerSecond: 819.2,
  verified: true,
  sha256: 'ab'.repeat(32),
};

describe('reading the result back', () => {
  it('parses the summary from the termination message', () => {
    assert.deepEqual(parseTerminationMessage(JSON.stringify(summary)), summary);
    assert.ok(JSON.stringify(summary).length < 4096, 'fits a termination message');
  });

  it('finds the last result line in a log tail (FallbackToLogsOnError) and ignores other JSON', () => {
    const failure = {
      ok: false,
      error: { code: 'TARGET_READ_ONLY', message: 'target /mnt/target/disk.img is on a read-only filesystem' },
    };
    const log = [
      'starting',
      '{"progress":"sync","done":1,"total":2,"bytesWritten":0,"seconds":0}',
      JSON.stringify(failure),
      'datasync: target ...',
      '{"not":"a result"}',
      '{broken',
    ].join('\n');
    const result = parseTerminationMessage(log);
    assert.deepEqual(result, failure);
    assert.ok(result);
    assert.equal(isPermanentFailure(result), true);
    assert.equal(isPermanentFailure({ ok: false, error: { code: 'IO', message: 'EIO' } }), false);
    assert.equal(parseTerminationMessage('Error: OOMKilled'), undefined);
    assert.equal(parseTerminationMessage(undefined), undefined);
  });

  it('reads the datasync container of a Pod, current or last state', () => {
    const pod = (state: 'state' | 'lastState'): V1Pod => ({
      status: {
        containerStatuses: [
          {
            name: 'datasync',
            image: 'x',
            imageID: 'x',
            ready: false,
            restartCount: 0,
            [state]: { terminated: { exitCode: 0, message: JSON.stringify(summary) } },
          },
        ],
      },
    });
    assert.deepEqual(datasyncResultFromPod(pod('state')), summary);
    assert.deepEqual(datasyncResultFromPod(pod('lastState')), summary);
    assert.equal(datasyncResultFromPod({ status: {} }), undefined);
  });
});
