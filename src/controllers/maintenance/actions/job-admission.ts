// Creating a Job from a user's template, with the namespace's admission asked first. The Job
// controller creates a Job's Pods later, as itself: a Pod the namespace's Pod Security level refuses
// would leave only a FailedCreate Event on the Job, and the plan would wait for a Job that never runs.
// So the Job's Pod is created as a server-side dry run first (the operator may create Pods only that
// way: the admission policy vapp-operator-pods-dry-run-only), and a refusal ends the step with the
// API server's own words; a template the API server finds invalid does too, since no retry cures it.
import type { V1Job } from '@kubernetes/client-node';
import { CORE } from '../../../runtime/kinds.ts';
import { apiStatus } from '../../../runtime/errors.ts';
import type { KubeObject } from '../../../runtime/object.ts';
import type { ClusterIO } from '../cluster-io.ts';
import { failed, type StepOutcome } from '../outcome.ts';
import { JOBS } from '../resources.ts';

/** Pod Security admission's refusal: `pods "x" is forbidden: violates PodSecurity "restricted:latest": ...`. */
const POD_SECURITY = /violates PodSecurity/;

/** Creates the Job once its Pod would be admitted; a failed outcome when the API server refuses either for good. */
export async function createJob(io: ClusterIO, job: V1Job, what: string): Promise<StepOutcome | undefined> {
  const name = job.metadata?.name ?? '';
  const template = job.spec?.template;
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${name}-`,
      namespace: job.metadata?.namespace,
      labels: { ...template?.metadata?.labels, 'job-name': name },
      ...(template?.metadata?.annotations ? { annotations: template.metadata.annotations } : {}),
    },
    spec: template?.spec,
  } as KubeObject;
  try {
    await io.dryRunCreate(CORE.pods, pod);
  } catch (err) {
    const status = apiStatus(err);
    if (status?.code === 403 && POD_SECURITY.test(status.message ?? ''))
      return failed('PodSecurityRefused', `the Pod of ${what} ${name} is refused: ${status.message ?? ''}`);
    if (status?.code === 422) return failed('InvalidJobTemplate', `${what} ${name}: ${status.message ?? ''}`);
    throw err;
  }
  try {
    await io.create(JOBS, job);
  } catch (err) {
    const status = apiStatus(err);
    if (status?.code === 422) return failed('InvalidJobTemplate', `${what} ${name}: ${status.message ?? ''}`);
    throw err;
  }
  return undefined;
}
