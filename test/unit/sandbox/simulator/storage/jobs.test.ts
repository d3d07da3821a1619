import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildDatasyncJob, datasyncResultFromPod } from '../../../../../src/datasync/job.ts';
import { classifyJobPod, flag, jobNameOf } from '../../../../../src/sandbox/simulator/jobs/classify.ts';
import type { JobPodJson } from '../../../../../src/sandbox/simulator/jobs/json.ts';
import { jobPodIp, runningStatus, terminatedStatus } from '../../../../../src/sandbox/simulator/jobs/kubelet.ts';

const NOW = '2026-11-22T01:00:00.000Z';

/** The Pod the Job controller makes from a Job's template. */
function podOf(job: {
  metadata?: { name?: string };
  spec?: { template: { metadata?: { labels?: Record<string, string> }; spec?: unknown } };
}): JobPodJson {
  const name = job.metadata?.name ?? '';
  return {
    metadata: {
      name: `${name}-abcde`,
      namespace: 'shop',
      uid: 'pod-uid',
      labels: { ...job.spec?.template.metadata?.labels, 'batch.kubernetes.io/job-name': name, 'job-name': name },
    },
    spec: structuredClone(job.spec?.template.spec) as JobPodJson['spec'],
  };
}

describe('Job Pods: which work they stand for', () => {
  it('takes only Pods with a job-name label (launcher Pods are not)', () => {
    assert.equal(jobNameOf({ metadata: { labels: { 'batch.kubernetes.io/job-name': 'j' } } }), 'j');
    assert.equal(jobNameOf({ metadata: { labels: { 'job-name': 'old' } } }), 'old');
    assert.equal(jobNameOf({ metadata: { labels: { 'kubevirt.io': 'virt-launcher' } } }), undefined);
  });

  it('a data-sync Job built by buildDatasyncJob: filesystem volumes map to their claims, the ranges file to its ConfigMap key', () => {
    const job = buildDatasyncJob({
      name: 'sync',
      namespace: 'shop',
      image: 'op:1',
      blockSize: 65536,
      source: { claimName: 'snap-restore', volumeMode: 'Filesystem' },
      target: { claimName: 'replica', volumeMode: 'Filesystem', imagePath: 'images/disk.img' },
      ranges: { configMapName: 'delta', key: 'r.json' },
    });
    assert.deepEqual(classifyJobPod(podOf(job as never)), {
      type: 'datasync',
      container: 'datasync',
      source: { kind: 'pvc', claimName: 'snap-restore' },
      target: { kind: 'pvc', claimName: 'replica' },
      ranges: { kind: 'configMap', name: 'delta', key: 'r.json' },
      blockSize: '65536',
      verify: 'full',
    });
  });

  it('a warm final-round worker: its go file is the downwardAPI projection of an annotation', () => {
    const job = buildDatasyncJob({
      name: 'final',
      namespace: 'shop',
      image: 'op:1',
      verify: 'written',
      waitForGo: true,
      source: { claimName: 'db-data', volumeMode: 'Filesystem' },
      target: { claimName: 'replica', volumeMode: 'Filesystem' },
    });
    const work = classifyJobPod(podOf(job));
    assert.equal(work.type, 'datasync');
    assert.deepEqual([work.verify, work.waitForGo], ['written', { kind: 'annotation', key: 'vapp.dev/datasync-go' }]);
  });

  it('a data-sync Job on block volumes maps the device paths to their claims', () => {
    const job = buildDatasyncJob({
      name: 'sync',
      namespace: 'shop',
      image: 'op:1',
      verify: false,
      source: { claimName: 'a', volumeMode: 'Block' },
      target: { claimName: 'b', volumeMode: 'Block' },
    });
    const work = classifyJobPod(podOf(job));
    assert.equal(work.type, 'datasync');
    assert.deepEqual(
      [work.source, work.target, work.verify],
      [{ kind: 'pvc', claimName: 'a' }, { kind: 'pvc', claimName: 'b' }, 'none'],
    );
  });

  it('an update Job: the label on the Pod or on its Job, and the VAPP_* environment', () => {
    const pod: JobPodJson = {
      metadata: { name: 'u', labels: { 'job-name': 'u' } },
      spec: {
        containers: [
          { name: 'sidecar' },
          {
            name: 'update',
            env: [
              { name: 'VAPP_VM', value: 'db-green' },
              { name: 'VAPP_COMPONENT', value: 'postgres' },
              { name: 'VAPP_FROM', value: '16.2.0' },
              { name: 'VAPP_TO', value: '16.4.0' },
            ],
          },
        ],
      },
    };
    assert.equal(classifyJobPod(pod).type, 'other');
    const job = { metadata: { name: 'u', labels: { 'vapp.dev/update': 'true' } } };
    assert.deepEqual(classifyJobPod(pod, job), {
      type: 'update',
      container: 'update',
      vm: 'db-green',
      component: 'postgres',
      from: '16.2.0',
      to: '16.4.0',
    });
    const broken = {
      ...pod,
      metadata: { ...pod.metadata, labels: { 'job-name': 'u', 'vapp.dev/update': 'true' } },
      spec: { containers: [{ name: 'x' }] },
    };
    assert.equal(classifyJobPod(broken).type, 'invalid');
  });

  it('reads --flag value and --flag=value', () => {
    assert.equal(flag(['--source', '/a', '--target=/b'], '--target'), '/b');
    assert.equal(flag(['--source', '/a'], '--source'), '/a');
    assert.equal(flag(['--source'], '--ranges'), undefined);
  });
});

describe('the simulated kubelet of Job Pods', () => {
  const pod: JobPodJson = {
    metadata: { name: 'p', uid: 'u1' },
    spec: {
      containers: [
        { name: 'datasync', image: 'op:1' },
        { name: 'helper', image: 'h:1' },
      ],
    },
  };

  it('runs the Pod, then ends it with the exit code and the termination message that datasyncResultFromPod reads', () => {
    const running = runningStatus(pod, jobPodIp('u1'), '127.0.0.1', NOW);
    assert.equal(running.phase, 'Running');
    const message = JSON.stringify({ ok: false, error: { code: 'IO', message: 'disk' } });
    const ended = terminatedStatus({ ...pod, status: running }, 'datasync', 1, message, NOW);
    assert.equal(ended.phase, 'Failed');
    assert.deepEqual(datasyncResultFromPod({ status: ended } as never), {
      ok: false,
      error: { code: 'IO', message: 'disk' },
    });
    const ok = terminatedStatus({ ...pod, status: running }, 'datasync', 0, '', NOW);
    assert.equal(ok.phase, 'Succeeded');
    assert.deepEqual(
      (ok.containerStatuses as { state: { terminated: { exitCode: number; reason: string } } }[]).map((c) => [
        c.state.terminated.exitCode,
        c.state.terminated.reason,
      ]),
      [
        [0, 'Completed'],
        [0, 'Completed'],
      ],
    );
    assert.match(jobPodIp('u1'), /^10\.244\.(1[2-9]\d|2[0-5]\d)\.\d+$/);
  });
});
