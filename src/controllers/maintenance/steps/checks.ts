// The plan's checks (spec.verify): an HTTP GET run as a Job inside the cluster (the operator itself
// may have no route to the workloads, and the NetworkPolicy admits only the slot's own pods), or the
// user's own Job. The check Pod carries the slot's labels so the isolation lets it in.
import type { V1Job } from '@kubernetes/client-node';
import { LABEL_APPLIANCE, LABEL_SLOT, type Slot } from '../../../api/v1alpha1/index.ts';
import type { StepContext } from '../context.ts';
import { done, failed, wait, type StepOutcome } from '../outcome.ts';
import { JOBS } from '../resources.ts';
import { jobState } from './jobs.ts';

/** Whether the plan has a check besides VM readiness. */
export function hasCheck(ctx: StepContext): boolean {
  return ctx.plan.spec.verify.httpGet !== undefined || ctx.plan.spec.verify.job !== undefined;
}

/**
 * Runs check number `attempt` against the slot (its preview Services before the cut-over, the
 * Services themselves after) and reports its outcome.
 */
export async function runCheck(
  ctx: StepContext,
  kind: 'verify' | 'observe',
  attempt: number,
  slot: Slot,
  preview: boolean,
): Promise<StepOutcome> {
  const name = ctx.names.checkJob(kind, attempt);
  const job = ctx.get<V1Job>(JOBS, name);
  if (job === undefined) {
    await ctx.create(JOBS, checkJob(ctx, name, slot, preview));
    return wait(`check ${name} started`);
  }
  const state = jobState(job);
  if (state === 'Failed')
    return failed(
      kind === 'verify' ? 'VerifyFailed' : 'ObserveCheckFailed',
      `check ${name} failed${describe(ctx, preview)}`,
    );
  if (state === 'Complete') return done(`check ${name} passed`);
  return wait(`check ${name} is running${describe(ctx, preview)}`);
}

function describe(ctx: Pick<StepContext, 'plan' | 'namespace' | 'names'>, preview: boolean): string {
  const http = ctx.plan.spec.verify.httpGet;
  if (http === undefined) return '';
  return ` (GET ${url(ctx, http.service, http.port, http.path, preview)})`;
}

function url(
  ctx: Pick<StepContext, 'namespace' | 'names'>,
  service: string,
  port: number,
  path: string,
  preview: boolean,
): string {
  const host = preview ? ctx.names.previewService(service) : service;
  return `http://${host}.${ctx.namespace}.svc:${String(port)}${path}`;
}

/** The check Job; a user's Job and Pod template keep their own labels and annotations (sidecar opt-outs...). */
export function checkJob(
  ctx: Pick<StepContext, 'plan' | 'labels' | 'appliance' | 'namespace' | 'names' | 'options' | 'owner'>,
  name: string,
  slot: Slot,
  preview: boolean,
): V1Job {
  const labels = {
    ...ctx.labels,
    [LABEL_APPLIANCE]: ctx.appliance.metadata.name ?? '',
    [LABEL_SLOT]: slot,
    'vapp.dev/check': 'true',
  };
  const http = ctx.plan.spec.verify.httpGet;
  const user = ctx.plan.spec.verify.job?.template as Pick<V1Job, 'metadata' | 'spec'> | undefined;
  const podTemplate =
    http !== undefined
      ? {
          spec: {
            restartPolicy: 'Never',
            securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'check',
                image: ctx.options.checkImage,
                args: [
                  '--fail',
                  '--silent',
                  '--show-error',
                  '--max-time',
                  '10',
                  '--retry',
                  '3',
                  '--retry-all-errors',
                  url(ctx, http.service, http.port, http.path, preview),
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
      namespace: ctx.namespace,
      labels: { ...user?.metadata?.labels, ...labels },
      ...(user?.metadata?.annotations ? { annotations: user.metadata.annotations } : {}),
      ownerReferences: [ctx.owner],
    },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: ctx.plan.spec.verify.timeoutSeconds,
      ttlSecondsAfterFinished: 3600,
      template: {
        ...podTemplate,
        metadata: { ...podTemplate.metadata, labels: { ...podTemplate.metadata?.labels, ...labels } },
      },
    },
  };
}
