// The simulated kubelet for Job Pods: binds them to sandbox-node, starts them, does their work in
// process after the step delay and ends them Succeeded or Failed with a termination message.
// Launcher Pods are left to the VM simulator: only Pods with a job-name label are taken.
import { fillProjectedTokens } from '../kubelet.ts';
import type { ControllerDefinition, ReconcileResult } from '../../../runtime/controller.ts';
import { errorMessage, isConflict, isNotFound } from '../../../runtime/errors.ts';
import { resourcePath } from '../../../runtime/resources.ts';
import { SANDBOX_NODE } from '../constants.ts';
import { NODE_IP } from '../node.ts';
import { cached, isoNow, type StorageContext } from '../storage/context.ts';
import { faultsFor } from '../storage/faults.ts';
import { STORAGE_RESOURCES as R } from '../storage/resources.ts';
import { classifyJobPod, jobNameOf } from './classify.ts';
import type { JobJson, JobPodJson } from './json.ts';
import { jobPodIp, runningStatus, terminatedStatus } from './kubelet.ts';
import { relatedObjects } from './related.ts';
import { httpReachable, runDatasync, runUpdate, type Termination } from './run.ts';

export function jobPodController(ctx: StorageContext): ControllerDefinition {
  // Pods whose work runs now, and Pods whose end was written but is not in the cache yet: their
  // work is never started twice.
  const running = new Set<string>();
  const ended = new Set<string>();
  return {
    name: 'storage-simulator-job-kubelet',
    maxConcurrentReconciles: 4,
    watches: [
      {
        resource: R.pods,
        map: (p) =>
          jobNameOf(p as unknown as JobPodJson)
            ? [{ namespace: p.metadata?.namespace ?? '', name: p.metadata?.name ?? '' }]
            : [],
      },
    ],
    reconcile: async (req, rctx): Promise<ReconcileResult | undefined> => {
      const ns = req.namespace ?? '';
      const key = `pod/${ns}/${req.name}`;
      const pod = cached<JobPodJson>(ctx, R.pods, ns, req.name);
      if (!pod || !jobNameOf(pod)) {
        ctx.steps.forget(key);
        return undefined;
      }
      const uid = pod.metadata?.uid ?? '';
      const podPath = resourcePath(R.pods, ns, req.name);
      const patchStatus = async (status: object, rv?: string): Promise<ReconcileResult | undefined> => {
        try {
          await ctx.api.patch(
            R.pods,
            ns,
            req.name,
            { status },
            { status: true, ...(rv ? { resourceVersion: rv } : {}) },
          );
          return undefined;
        } catch (err) {
          if (isConflict(err)) return { requeue: true };
          if (isNotFound(err)) return undefined;
          throw err;
        }
      };
      if (pod.metadata?.deletionTimestamp) {
        // The containers stopped: the kubelet confirms the deletion.
        if (!running.has(uid)) await ctx.api.delete(R.pods, ns, req.name, { uid, gracePeriodSeconds: 0 });
        return undefined;
      }
      if (!pod.spec?.nodeName) {
        // The scheduler: a Pod required on another node, or with no room anywhere, stays Pending.
        if (!fitsSandboxNode(pod)) return undefined;
        const job = cached<JobJson>(ctx, R.jobs, ns, jobNameOf(pod) ?? '');
        const work = classifyJobPod(pod, job);
        if (faultsFor(pod, relatedObjects(ctx, ns, work, job), ctx.faults).unschedulable) return undefined;
        try {
          await ctx.api.client.request(`${podPath}/binding`, {
            method: 'POST',
            body: {
              apiVersion: 'v1',
              kind: 'Binding',
              metadata: { name: req.name, uid },
              target: { apiVersion: 'v1', kind: 'Node', name: SANDBOX_NODE },
            },
          });
        } catch (err) {
          if (isConflict(err) || isNotFound(err)) return undefined;
          throw err;
        }
        return undefined;
      }
      const phase = pod.status?.phase ?? 'Pending';
      if (phase === 'Succeeded' || phase === 'Failed') {
        ctx.steps.forget(key);
        ended.delete(uid);
        return undefined;
      }
      if (ended.has(uid)) return undefined;
      if (phase === 'Pending') {
        // The containers start once their volumes are set up: projected tokens through TokenRequest.
        try {
          await fillProjectedTokens(ctx.api, ctx.volumesDir, pod);
        } catch (err) {
          // The kubelet's volume manager says it on the Pod (reason FailedMount) and retries.
          const message = `MountVolume.SetUp failed for a projected ServiceAccount token: ${errorMessage(err)}`;
          await ctx.events.warning(pod, 'FailedMount', message);
          return { requeueAfterMs: 1000 };
        }
        return patchStatus(runningStatus(pod, jobPodIp(uid), NODE_IP, isoNow(ctx)), pod.metadata?.resourceVersion);
      }
      if (running.has(uid)) return undefined;

      const job = cached<JobJson>(ctx, R.jobs, ns, jobNameOf(pod) ?? '');
      const work = classifyJobPod(pod, job);
      let end: Termination;
      const faults = faultsFor(pod, relatedObjects(ctx, ns, work, job), ctx.faults);
      // A warm worker runs (its volumes attached) and reads nothing until the kubelet projects its
      // go annotation; the Pod's update is what wakes it (this controller watches Pods).
      if (work.type === 'datasync' && work.waitForGo !== undefined) {
        if (work.waitForGo.kind !== 'annotation') {
          end = {
            exitCode: 2,
            message: JSON.stringify({
              ok: false,
              error: { code: 'USAGE', message: 'the go file is not a downwardAPI annotation' },
            }),
          };
          return patchStatus(terminatedStatus(pod, work.container, end.exitCode, end.message, isoNow(ctx)));
        }
        if (!pod.metadata?.annotations?.[work.waitForGo.key]) return undefined;
      }
      const wait = ctx.steps.remaining(key, 'run', faults.stepDelayMs ?? ctx.stepDelayMs);
      if (wait > 0) return { requeueAfterMs: wait };

      running.add(uid);
      try {
        switch (work.type) {
          case 'datasync':
            end = await runDatasync(ctx, ns, work, faults, uid);
            break;
          case 'update':
            end = await runUpdate(ctx, ns, work, faults);
            break;
          case 'invalid':
            end = { exitCode: 1, message: work.reason };
            break;
          case 'http': {
            const reached = faults.jobFailure
              ? { exitCode: 22, message: `curl: (22) The requested URL returned error: 500 (${faults.jobFailure})` }
              : await httpReachable(ctx, work);
            if (reached !== 'retry') {
              end = reached;
              break;
            }
            // Refused: curl tries again every --retry-delay until --retry-max-time has passed.
            const started = Date.parse(pod.status?.startTime ?? isoNow(ctx));
            if (ctx.now() - started < work.retryMaxSeconds * 1000) return { requeueAfterMs: 1_000 };
            end = {
              exitCode: 7,
              message: `curl: (7) Failed to connect to ${work.service}.${work.namespace}.svc port ${String(work.port)}: Connection refused`,
            };
            break;
          }
          default:
            end = faults.jobFailure ? { exitCode: 1, message: faults.jobFailure } : { exitCode: 0, message: '' };
        }
        rctx.log.debug('job pod finished', { work: work.type, exitCode: end.exitCode });
        // Without a resourceVersion: the work is done and must not be done again for a stale cache.
        const result = await patchStatus(terminatedStatus(pod, work.container, end.exitCode, end.message, isoNow(ctx)));
        ended.add(uid);
        return result;
      } finally {
        running.delete(uid);
      }
    },
  };
}

/** Whether the Pod's required node affinity (matchFields metadata.name, as a pinned Pod has) allows sandbox-node. */
function fitsSandboxNode(pod: JobPodJson): boolean {
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms === undefined || terms.length === 0) return true;
  return terms.some((t) =>
    (t.matchFields ?? []).every((f) =>
      f.key !== 'metadata.name'
        ? true
        : f.operator === 'In'
          ? (f.values ?? []).includes(SANDBOX_NODE)
          : !(f.values ?? []).includes(SANDBOX_NODE),
    ),
  );
}
