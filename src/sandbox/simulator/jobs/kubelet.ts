// The Pod statuses the simulated kubelet writes for a Job's Pod: Running, then Succeeded or Failed
// with the container's exit code and termination message.
import { setCondition } from '../conditions.ts';
import type { JobPodJson } from './json.ts';

type Status = NonNullable<JobPodJson['status']>;

function containerId(pod: JobPodJson, name: string): string {
  return `sim://${pod.metadata?.uid ?? ''}/${name}`;
}

export function runningStatus(pod: JobPodJson, podIp: string, hostIp: string, now: string): Status {
  let conditions = setCondition(pod.status?.conditions, { type: 'PodScheduled', status: 'True' }, now);
  conditions = setCondition(conditions, { type: 'Initialized', status: 'True' }, now);
  conditions = setCondition(conditions, { type: 'ContainersReady', status: 'True' }, now);
  conditions = setCondition(conditions, { type: 'Ready', status: 'True' }, now);
  return {
    phase: 'Running',
    conditions,
    hostIP: hostIp,
    podIP: podIp,
    startTime: now,
    containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
      name: c.name,
      image: c.image ?? '',
      imageID: c.image ?? '',
      containerID: containerId(pod, c.name),
      ready: true,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: now } },
    })),
  };
}

/** Every container ended: `exitCode` and `message` for `container`, 0 for the others. */
export function terminatedStatus(
  pod: JobPodJson,
  container: string,
  exitCode: number,
  message: string,
  now: string,
): Status {
  const ok = exitCode === 0;
  const startedAt = pod.status?.startTime ?? now;
  let conditions = setCondition(
    pod.status?.conditions,
    { type: 'Ready', status: 'False', reason: 'PodCompleted' },
    now,
  );
  conditions = setCondition(conditions, { type: 'ContainersReady', status: 'False', reason: 'PodCompleted' }, now);
  return {
    ...pod.status,
    phase: ok ? 'Succeeded' : 'Failed',
    conditions,
    containerStatuses: (pod.spec?.containers ?? []).map((c) => {
      const code = c.name === container ? exitCode : 0;
      return {
        name: c.name,
        image: c.image ?? '',
        imageID: c.image ?? '',
        containerID: containerId(pod, c.name),
        ready: false,
        started: false,
        restartCount: 0,
        state: {
          terminated: {
            exitCode: code,
            reason: code === 0 ? 'Completed' : 'Error',
            startedAt,
            finishedAt: now,
            containerID: containerId(pod, c.name),
            ...(c.name === container && message !== '' ? { message } : {}),
          },
        },
      };
    }),
  };
}

/** A stable address in 10.244.128.0/17 for a Pod (Job Pods; launcher Pods get theirs from part 1). */
export function jobPodIp(uid: string): string {
  let h = 0;
  for (const ch of uid) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return `10.244.${String(128 + ((h >>> 8) % 127))}.${String(1 + (h % 254))}`;
}
