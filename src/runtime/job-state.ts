// Reading a Job's outcome from its conditions.
import type { V1Job } from '@kubernetes/client-node';

export type JobState = 'Running' | 'Complete' | 'Failed';

export function jobState(job: V1Job): JobState {
  const conditions = job.status?.conditions ?? [];
  if (conditions.some((c) => c.type === 'Complete' && c.status === 'True')) return 'Complete';
  if (conditions.some((c) => c.type === 'Failed' && c.status === 'True')) return 'Failed';
  return 'Running';
}
