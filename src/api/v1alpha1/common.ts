// Schema parts shared by both kinds.
import { z } from 'zod';

/**
 * A batch/v1 JobTemplateSpec. The operator checks only the parts it relies on (a pod template with
 * at least one container); the API server validates the rest when the Job is created.
 */
export const JobTemplateSchema = z
  .looseObject({
    metadata: z
      .looseObject({
        labels: z
          .record(z.string().max(317), z.string().max(63).describe('A label value.'))
          .optional()
          .describe('Labels of the Job.'),
        annotations: z
          .record(z.string().max(317), z.string().max(65536).describe('An annotation value.'))
          .optional()
          .describe('Annotations of the Job.'),
      })
      .optional()
      .describe('Labels and annotations of the Job.'),
    spec: z
      .looseObject({
        template: z
          .looseObject({
            spec: z
              .looseObject({
                containers: z
                  .array(
                    z
                      .looseObject({
                        name: z.string().min(1).max(63).describe('Name of the container.'),
                      })
                      .describe('A container (core/v1 Container).'),
                  )
                  .min(1)
                  .max(16)
                  .describe("Containers of the Job's Pod (core/v1 Container)."),
              })
              .describe("Spec of the Job's Pod (core/v1 PodSpec)."),
          })
          .describe('Pod template of the Job (core/v1 PodTemplateSpec).'),
      })
      .describe('Spec of the Job (batch/v1 JobSpec).'),
  })
  .describe('A batch/v1 JobTemplateSpec: metadata and spec of the Job to create.');
export type JobTemplate = z.infer<typeof JobTemplateSchema>;
