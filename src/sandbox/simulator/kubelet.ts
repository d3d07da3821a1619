// What the kubelet on sandbox-node writes into a launcher Pod's status: no containers really run,
// the Pod just goes Running with an IP, and Ready when the simulated guest is up.
import { setCondition } from './conditions.ts';
import type { ConditionJson, PodJson, PodStatusJson } from './json.ts';

/** The status of a bound Pod whose containers have just started: Running, not Ready yet. */
export function podRunningStatus(pod: PodJson, podIp: string, hostIp: string, now: string): PodStatusJson {
  return podStatus(pod, podIp, hostIp, now, false, now);
}

/** The status once the readiness probe passes. */
export function podReadyStatus(pod: PodJson, now: string): PodStatusJson {
  const s = pod.status ?? {};
  return podStatus(pod, s.podIP ?? '', s.hostIP ?? '', s.startTime ?? now, true, now);
}

export function isPodReady(pod: PodJson | undefined): boolean {
  return pod?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export function isPodRunning(pod: PodJson | undefined): boolean {
  return pod?.status?.phase === 'Running';
}

function podStatus(
  pod: PodJson,
  podIp: string,
  hostIp: string,
  startTime: string,
  ready: boolean,
  now: string,
): PodStatusJson {
  let conditions: ConditionJson[] = pod.status?.conditions ?? [];
  const readiness = ready ? 'True' : 'False';
  const notReady = ready ? {} : { reason: 'ContainersNotReady', message: 'containers with unready status: [compute]' };
  conditions = setCondition(conditions, { type: 'PodScheduled', status: 'True' }, now);
  conditions = setCondition(conditions, { type: 'Initialized', status: 'True' }, now);
  conditions = setCondition(conditions, { type: 'ContainersReady', status: readiness, ...notReady }, now);
  conditions = setCondition(conditions, { type: 'Ready', status: readiness, ...notReady }, now);
  return {
    phase: 'Running',
    hostIP: hostIp,
    hostIPs: [{ ip: hostIp }],
    podIP: podIp,
    podIPs: [{ ip: podIp }],
    startTime,
    qosClass: 'Burstable',
    conditions,
    containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
      name: c.name,
      image: c.image ?? '',
      imageID: c.image ?? '',
      containerID: `sim://${pod.metadata?.uid ?? ''}/${c.name}`,
      ready,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: startTime } },
    })),
  };
}
