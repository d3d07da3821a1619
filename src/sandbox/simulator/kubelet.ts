// What the kubelet on sandbox-node writes into a launcher Pod's status: no containers really run,
// the Pod just goes Running with an IP, and Ready when the simulated guest is up.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setCondition } from './conditions.ts';
import type { JobPodJson } from './jobs/json.ts';
import type { Api } from './storage/api.ts';
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

/** Where the kubelet puts a Pod's projected ServiceAccount token (its volume's file, read by the in-process worker). */
export function projectedTokenPath(volumesDir: string, podUid: string, volume: string, file: string): string {
  return path.join(volumesDir, '.kubelet', 'pods', podUid, 'volumes', volume, file);
}

/**
 * Fills a Pod's projected serviceAccountToken volumes as the kubelet does
 * (pkg/volume/projected/projected.go, pkg/kubelet/token/token_manager.go): a TokenRequest for the
 * Pod's ServiceAccount with the volume's audience and expirationSeconds, bound to the Pod. Throws
 * when the API server refuses (the kubelet then reports FailedMount and the Pod does not start).
 */
export async function fillProjectedTokens(api: Api, volumesDir: string, pod: JobPodJson): Promise<void> {
  const ns = pod.metadata?.namespace ?? '';
  const uid = pod.metadata?.uid ?? '';
  const account = pod.spec?.serviceAccountName ?? 'default';
  for (const volume of pod.spec?.volumes ?? []) {
    for (const src of volume.projected?.sources ?? []) {
      const t = src.serviceAccountToken;
      if (!t) continue;
      const answer = await api.client.request<{ status?: { token?: string } }>(
        `/api/v1/namespaces/${encodeURIComponent(ns)}/serviceaccounts/${encodeURIComponent(account)}/token`,
        {
          method: 'POST',
          body: {
            apiVersion: 'authentication.k8s.io/v1',
            kind: 'TokenRequest',
            spec: {
              ...(t.audience ? { audiences: [t.audience] } : {}),
              expirationSeconds: t.expirationSeconds ?? 3600,
              boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata?.name ?? '', uid },
            },
          },
        },
      );
      const file = projectedTokenPath(volumesDir, uid, volume.name, t.path);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, answer.status?.token ?? '', { mode: 0o600 });
    }
  }
}
