// VirtualAppliance: which VMs form an appliance, which components run where, how a component's level
// is read and updated, which volumes hold local data and which Services carry its traffic.
import { z } from 'zod';
import {
  API_VERSION,
  ANNOTATION_LEVELS,
  GUEST_OS_FIELDS,
  ObjectMetaSchema,
  SlotSchema,
  conditions,
  count,
  dnsLabel,
  objectName,
} from './meta.ts';
import { MemberBaseImageSchema, MemberBaseImageStatusSchema } from './baseimage.ts';
import { JobTemplateSchema } from './common.ts';
import { cel, exactlyOne, setOf, uniqueBy } from './rules.ts';

export const VIRTUAL_APPLIANCE_KIND = 'VirtualAppliance';
export const VIRTUAL_APPLIANCE_PLURAL = 'virtualappliances';
export const VIRTUAL_APPLIANCE_SINGULAR = 'virtualappliance';
export const VIRTUAL_APPLIANCE_SHORT_NAMES = ['vapp'] as const;

export { GUEST_OS_FIELDS } from './meta.ts';

/** Most members of an appliance (the admission policies in config/admission check each by index). */
export const MAX_MEMBERS = 16;
const MAX_COMPONENTS = 32;
const MAX_VOLUMES = 16;
/** Most Services of an appliance. */
export const MAX_SERVICES = 16;

export const LevelSourceSchema = exactlyOne(
  z
    .object({
      annotation: z
        .object({})
        .optional()
        .describe(
          `Read the level from the VM annotation ${ANNOTATION_LEVELS}, a JSON map of component name to level. Set as {}.`,
        ),
      image: z
        .object({
          volume: dnsLabel(
            'Name of the VM volume (spec.template.spec.volumes[].name) whose containerDisk image tag or DataVolume registry URL tag is the level.',
          ),
        })
        .optional()
        .describe("Read the level from the tag of a volume's image."),
      guestOS: z
        .object({
          field: z
            .enum(GUEST_OS_FIELDS)
            .describe("Field of the VMI's status.guestOSInfo reported by the guest agent: versionId or kernelRelease."),
        })
        .optional()
        .describe("Read the level from the guest agent's OS information (VMI status.guestOSInfo)."),
    })
    .describe("Where the component's current level is read. Exactly one of annotation, image, guestOS."),
  ['annotation', 'image', 'guestOS'],
  'spec.members[].components[].level',
);
export type LevelSource = z.infer<typeof LevelSourceSchema>;

export const UpdateStrategySchema = exactlyOne(
  z
    .object({
      image: z
        .object({
          volume: dnsLabel('Name of the VM volume (spec.template.spec.volumes[].name) to point at the new image.'),
          repository: z
            .string()
            .min(1)
            .max(512)
            .regex(/^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/, {
              error: 'must be an image repository without tag or digest, e.g. registry.example.com/shop/db',
            })
            .describe(
              "Image repository without tag, e.g. registry.example.com/shop/db; the clone's volume gets <repository>:<level>.",
            ),
        })
        .optional()
        .describe('Point a volume of the clone VM at <repository>:<target level>.'),
      job: z
        .object({
          template: JobTemplateSchema,
        })
        .optional()
        .describe(
          'Run a Job against the clone VM. Its containers get the environment variables VAPP_VM, VAPP_COMPONENT, VAPP_FROM and VAPP_TO.',
        ),
    })
    .describe('How the clone gets the new level. Exactly one of image, job.'),
  ['image', 'job'],
  'spec.members[].components[].update',
);
export type UpdateStrategy = z.infer<typeof UpdateStrategySchema>;

export const ComponentSchema = z
  .object({
    name: dnsLabel(
      'Name of the component, unique within its member; MaintenancePlans target it by name or member/name.',
    ),
    level: LevelSourceSchema,
    update: UpdateStrategySchema,
  })
  .describe('A software component running on the member VM.');
export type Component = z.infer<typeof ComponentSchema>;

const DATA_VOLUME_RULE =
  "spec.members[].components[].update.image.volume must not be one of the member's dataVolumes: data volumes are never updated";
const ROOT_VOLUME_RULE =
  "spec.members[].baseImage.volume must not be one of the member's dataVolumes: a rebase replaces the root disk, data volumes are carried over";

export const MemberSchema = cel(
  z
    .object({
      name: dnsLabel('Role of the VM in the appliance (e.g. db), unique in the appliance.'),
      vm: objectName('Name of an existing KubeVirt VirtualMachine in the same namespace; the appliance adopts it.'),
      components: uniqueBy(
        z.array(ComponentSchema).max(MAX_COMPONENTS).describe('Software components running on this VM.'),
        'name',
        'spec.members[].components[].name',
      ).default([]),
      dataVolumes: setOf(
        z.array(dnsLabel('Name of a VM volume (spec.template.spec.volumes[].name).')).max(MAX_VOLUMES),
        'spec.members[].dataVolumes',
      )
        .default([])
        .describe(
          'VM volumes that hold local data: never updated, carried over to the clone by delta sync at cut-over.',
        ),
      startOrder: z
        .int()
        .min(0)
        .max(1000)
        .default(0)
        .describe('Clone VMs start in ascending startOrder; members with the same value start together.'),
      baseImage: MemberBaseImageSchema.optional(),
    })
    .superRefine((member, ctx) => {
      if (member.baseImage !== undefined && member.dataVolumes.includes(member.baseImage.volume)) {
        ctx.addIssue({ code: 'custom', path: ['baseImage', 'volume'], message: ROOT_VOLUME_RULE });
      }
      member.components.forEach((c, i) => {
        if (c.update.image && member.dataVolumes.includes(c.update.image.volume)) {
          ctx.addIssue({
            code: 'custom',
            path: ['components', i, 'update', 'image', 'volume'],
            message: DATA_VOLUME_RULE,
          });
        }
      });
    })
    .describe('A VirtualMachine of the appliance and the components it runs.'),
  {
    rule: '!has(self.components) || !has(self.dataVolumes) || self.components.all(c, !has(c.update.image) || !(c.update.image.volume in self.dataVolumes))',
    message: DATA_VOLUME_RULE,
  },
  {
    rule: '!has(self.baseImage) || !has(self.dataVolumes) || !(self.baseImage.volume in self.dataVolumes)',
    message: ROOT_VOLUME_RULE,
    fieldPath: '.baseImage.volume',
  },
);
export type Member = z.infer<typeof MemberSchema>;

export const VirtualApplianceSpecSchema = z
  .object({
    members: uniqueBy(
      uniqueBy(
        z.array(MemberSchema).min(1).max(MAX_MEMBERS).describe('The VirtualMachines that together form the appliance.'),
        'name',
        'spec.members[].name',
      ),
      'vm',
      'spec.members[].vm',
    ),
    services: setOf(z.array(dnsLabel('Name of a Service in the same namespace.')).max(MAX_SERVICES), 'spec.services')
      .default([])
      .describe(
        'Services whose traffic follows the active slot: the operator owns their vapp.dev/slot selector key (server-side apply).',
      ),
  })
  .describe('The desired appliance: its member VMs, their components and its Services.');
export type VirtualApplianceSpec = z.infer<typeof VirtualApplianceSpecSchema>;
export type VirtualApplianceSpecInput = z.input<typeof VirtualApplianceSpecSchema>;

export const ComponentStatusSchema = z
  .object({
    name: dnsLabel('Name of the component.'),
    level: z
      .string()
      .max(256)
      .optional()
      .describe("Level read from the component's level source; absent while it cannot be read."),
  })
  .describe('The live level of a component.');
export type ComponentStatus = z.infer<typeof ComponentStatusSchema>;

export const MemberStatusSchema = z
  .object({
    name: dnsLabel('Name of the member.'),
    vm: objectName('Name of the VirtualMachine currently serving as this member (in the active slot).'),
    ready: z.boolean().default(false).describe('Whether the VM is running and Ready.'),
    components: z
      .array(ComponentStatusSchema)
      .max(MAX_COMPONENTS)
      .default([])
      .describe("Live levels of the member's components."),
    baseImage: MemberBaseImageStatusSchema.optional(),
  })
  .describe('The live inventory of one member.');
export type MemberStatus = z.infer<typeof MemberStatusSchema>;

export const VirtualApplianceStatusSchema = z
  .object({
    observedGeneration: count('The .metadata.generation that this status describes.').optional(),
    activeSlot: SlotSchema.optional().describe('The slot (blue or green) whose VMs serve the Services.'),
    readyMembers: z
      .string()
      .max(16)
      .regex(/^[0-9]+\/[0-9]+$/)
      .optional()
      .describe('Ready members out of all members, e.g. 2/3 (for kubectl get).'),
    members: z
      .array(MemberStatusSchema)
      .max(MAX_MEMBERS)
      .default([])
      .describe("The live inventory: each member's VM, readiness and component levels."),
    activePlan: z
      .string()
      .max(253)
      .optional()
      .describe('Name of the one MaintenancePlan allowed to work on this appliance now; empty when none.'),
    conditions: conditions('Ready, Reconciling and Stalled (kstatus) conditions.').default([]),
  })
  .describe('The observed state of the appliance, written by the operator.');
export type VirtualApplianceStatus = z.infer<typeof VirtualApplianceStatusSchema>;

export const VirtualApplianceSchema = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal(VIRTUAL_APPLIANCE_KIND),
  metadata: ObjectMetaSchema,
  spec: VirtualApplianceSpecSchema,
  status: VirtualApplianceStatusSchema.optional(),
});
export type VirtualAppliance = z.infer<typeof VirtualApplianceSchema>;
export type VirtualApplianceInput = z.input<typeof VirtualApplianceSchema>;
