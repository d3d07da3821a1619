// The plan's checks (spec.verify): an HTTP GET run as a Job inside the cluster (the operator itself
// may have no route to the workloads, and the NetworkPolicy admits only the slot's own pods), or the
// user's own Job. The check Pod carries the slot's labels so the isolation lets it in.
import type { V1Job } from '@kubernetes/client-node';
import { LABEL_APPLIANCE, LABEL_SLOT, type Slot } from '../../../api/v1alpha1/index.ts';
import { jobState } from '../../../runtime/job-state.ts';
import type { ClusterIO } from '../cluster-io.ts';
import { createJob } from './job-admission.ts';
import type { StepFacts } from '../facts.ts';
import { done, failed, wait, type StepOutcome } from '../outcome.ts';
import { JOBS } from '../resources.ts';

type CheckFacts = Pick<StepFacts, 'plan' | 'labels' | 'appliance' | 'namespace' | 'names' | 'settings' | 'owner'>;

/** Whether the plan has a check besides VM readiness. */
export function hasCheck(facts: Pick<StepFacts, 'plan'>): boolean {
  return facts.plan.spec.verify.httpGet !== undefined || facts.plan.spec.verify.job !== undefined;
}

/**
 * Runs check number `attempt` against the slot (its preview Services before the cut-over, the
 * Services themselves after) and reports its outcome.
 */
export async function runCheck(
  facts: CheckFacts,
  io: ClusterIO,
  kind: 'verify' | 'observe',
  attempt: number,
  slot: Slot,
  preview: boolean,
): Promise<StepOutcome> {
  const name = facts.names.checkJob(kind, attempt);
  const job = io.get(JOBS, name);
  if (job === undefined) {
    const refused = await createJob(io, checkJob(facts, name, slot, preview), 'check Job');
    if (refused !== undefined) return refused;
    return wait(`check ${name} started`);
  }
  const state = jobState(job);
  if (state === 'Failed') {
    return failed(
      kind === 'verify' ? 'VerifyFailed' : 'ObserveCheckFailed',
      `check ${name} failed${describe(facts, preview)}`,
    );
  }
  if (state === 'Complete') return done(`check ${name} passed`);
  return wait(`check ${name} is running${describe(facts, preview)}`);
}

function describe(facts: Pick<StepFacts, 'plan' | 'namespace' | 'names'>, preview: boolean): string {
  const http = facts.plan.spec.verify.httpGet;
  if (http === undefined) return '';
  return ` (GET ${url(facts, http.service, http.port, http.path, preview)})`;
}

function url(
  facts: Pick<StepFacts, 'namespace' | 'names'>,
  service: string,
  port: number,
  path: string,
  preview: boolean,
): string {
  const host = preview ? facts.names.previewService(service) : service;
  return `http://${host}.${facts.namespace}.svc:${String(port)}${path}`;
}

/** The check Job; a user's Job and Pod template keep their own labels and annotations (sidecar opt-outs...). */
export function checkJob(facts: CheckFacts, name: string, slot: Slot, preview: boolean): V1Job {
  const labels = {
    ...facts.labels,
    [LABEL_APPLIANCE]: facts.appliance.metadata.name ?? '',
    [LABEL_SLOT]: slot,
    'vapp.dev/check': 'true',
  };
  const http = facts.plan.spec.verify.httpGet;
  const user = facts.plan.spec.verify.job?.template as Pick<V1Job, 'metadata' | 'spec'> | undefined;
  const podTemplate =
    http !== undefined
      ? {
          spec: {
            restartPolicy: 'Never',
            securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'check',
                image: facts.settings.checkImage,
                // A guest that boots (KubeVirt's "ready" may mean only that QEMU started) refuses or
                // drops connections for a while: retry until verify.timeoutSeconds.
                args: [
                  '--fail',
                  '--silent',
                  '--show-error',
                  '--max-time',
                  '10',
                  '--retry',
                  '1000',
                  '--retry-delay',
                  '2',
                  '--retry-max-time',
                  String(facts.plan.spec.verify.timeoutSeconds),
                  '--retry-all-errors',
                  url(facts, http.service, http.port, http.path, preview),
                ],
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ['ALL'] },
                },
                resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '64Mi' } },
              },
            ],
          },
        }
      : structuredClone(user?.spec?.template ?? { spec: { containers: [] } });
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: facts.namespace,
      labels: { ...user?.metadata?.labels, ...labels },
      ...(user?.metadata?.annotations ? { annotations: user.metadata.annotations } : {}),
      ownerReferences: [facts.owner],
    },
    spec: {
      // The user's Job retries as its template says (its Pods until verify.timeoutSeconds); curl retries itself.
      backoffLimit: (user?.spec as { backoffLimit?: number } | undefined)?.backoffLimit ?? 0,
      activeDeadlineSeconds: facts.plan.spec.verify.timeoutSeconds,
      ttlSecondsAfterFinished: 3600,
      template: {
        ...podTemplate,
        metadata: { ...podTemplate.metadata, labels: { ...podTemplate.metadata?.labels, ...labels } },
      },
    },
  };
}
