// Renders the ValidatingAdmissionPolicies that keep the operator from being a confused deputy: it acts
// with its own ServiceAccount on what users write, so the API server checks the *requesting user*
// (CEL's `authorizer`) for every object a VirtualAppliance or MaintenancePlan makes the operator touch.
// Pure: no I/O. `npm run generate:admission` writes config/admission/policies.yaml from it; a unit test
// fails when the file drifts.
//
// CEL caps an authorization check's cost so that one expression holds at most two checks, and a
// binding's whole evaluation about 28: so each member VM and each Service is checked by its own
// validation (by index, up to the schema's maximum), the Job check once per object in a variable,
// and the VMs and the Services are two policies, each with its own budget.
import { stringify } from 'yaml';
import {
  GROUP,
  MAINTENANCE_PLAN_PLURAL,
  MAX_MEMBERS,
  MAX_SERVICES,
  VIRTUAL_APPLIANCE_PLURAL,
} from '../v1alpha1/index.ts';

/** The operator's ServiceAccount as the API server names it (config/rbac). */
export const OPERATOR_USERNAME = 'system:serviceaccount:vapp-system:vapp-operator';

const LABELS = { 'app.kubernetes.io/name': 'vapp-operator' };

interface Validation {
  readonly expression: string;
  readonly messageExpression: string;
  readonly reason: 'Forbidden';
}

interface Policy {
  readonly name: string;
  /** What the policy is for, as a comment above it in the YAML. */
  readonly why: string;
  readonly resources: readonly { readonly group: string; readonly plural: string }[];
  readonly operations: readonly string[];
  readonly matchConditions: readonly { readonly name: string; readonly expression: string }[];
  readonly variables: readonly { readonly name: string; readonly expression: string }[];
  readonly validations: readonly Validation[];
}

/** CEL for a string literal. */
const str = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** `authorizer` asking whether the requesting user may `verb` the resource in the request's namespace. */
function may(verb: string, group: string, resource: string, name?: string): string {
  const named = name === undefined ? '' : `.name(${name})`;
  return `authorizer.group(${str(group)}).resource(${str(resource)}).namespace(request.namespace)${named}.check(${str(verb)}).allowed()`;
}

/** The tail of every refusal: who asked and which permission is missing. */
function missing(verb: string, resource: string, what: string): string {
  return `' (' + request.userInfo.username + ' lacks ${verb} on ${resource} in namespace ' + request.namespace + ${str(`): ${what}`)}`;
}

/** Only a create, or an update that changes the spec: status, finalizer and label writes are never checked. */
const SPEC_WRITES = [
  { name: 'spec-written', expression: "request.operation == 'CREATE' || object.spec != oldObject.spec" },
];

function applianceMembers(): Policy {
  const vms = Array.from({ length: MAX_MEMBERS }, (_, i): Validation => {
    const vm = `object.spec.members[${String(i)}].vm`;
    return {
      expression: `size(object.spec.members) <= ${String(i)} || ${may('update', 'kubevirt.io', 'virtualmachines', vm)}`,
      messageExpression:
        `'spec.members[${String(i)}].vm: you may not update VirtualMachine ' + ${vm} + ` +
        missing(
          'update',
          'virtualmachines.kubevirt.io',
          'the appliance would make the operator adopt, stop, clone and delete it for you',
        ),
      reason: 'Forbidden',
    };
  });
  const first = 'variables.jobMembers[0]';
  return {
    name: 'vapp-appliance-members',
    why: 'A VirtualAppliance: its author may update every member VM, and create Jobs when a component updates by a Job.',
    resources: [{ group: GROUP, plural: VIRTUAL_APPLIANCE_PLURAL }],
    operations: ['CREATE', 'UPDATE'],
    matchConditions: SPEC_WRITES,
    variables: [
      {
        name: 'jobMembers',
        expression: 'object.spec.members.filter(m, has(m.components) && m.components.exists(c, has(c.update.job)))',
      },
      { name: 'mayCreateJobs', expression: may('create', 'batch', 'jobs') },
    ],
    validations: [
      ...vms,
      {
        expression: 'size(variables.jobMembers) == 0 || variables.mayCreateJobs',
        messageExpression:
          `'spec.members[' + string(object.spec.members.indexOf(${first})) + '].components[' + ` +
          `string(${first}.components.indexOf(${first}.components.filter(c, has(c.update.job))[0])) + ` +
          `'].update.job: you may not create Jobs' + ` +
          missing('create', 'jobs.batch', 'the operator would run this Job for you'),
        reason: 'Forbidden',
      },
    ],
  };
}

function applianceServices(): Policy {
  return {
    name: 'vapp-appliance-services',
    why: 'A VirtualAppliance: its author may patch every Service it lists (the operator moves their selectors).',
    resources: [{ group: GROUP, plural: VIRTUAL_APPLIANCE_PLURAL }],
    operations: ['CREATE', 'UPDATE'],
    matchConditions: SPEC_WRITES,
    variables: [],
    validations: Array.from({ length: MAX_SERVICES }, (_, i): Validation => {
      const service = `object.spec.services[${String(i)}]`;
      return {
        expression: `size(object.spec.services) <= ${String(i)} || ${may('patch', '', 'services', service)}`,
        messageExpression:
          `'spec.services[${String(i)}]: you may not patch Service ' + ${service} + ` +
          missing('patch', 'services', 'the operator would move its selector for you'),
        reason: 'Forbidden',
      };
    }),
  };
}

function planJobs(): Policy {
  return {
    name: 'vapp-plan-jobs',
    why: 'A MaintenancePlan: its author may create Jobs when its check is a Job (spec.verify.job).',
    resources: [{ group: GROUP, plural: MAINTENANCE_PLAN_PLURAL }],
    operations: ['CREATE', 'UPDATE'],
    matchConditions: SPEC_WRITES,
    variables: [],
    validations: [
      {
        expression: `!has(object.spec.verify) || !has(object.spec.verify.job) || ${may('create', 'batch', 'jobs')}`,
        messageExpression:
          `'spec.verify.job: you may not create Jobs' + ` +
          missing('create', 'jobs.batch', 'the operator would run this Job for you'),
        reason: 'Forbidden',
      },
    ],
  };
}

function operatorPodsDryRunOnly(): Policy {
  return {
    name: 'vapp-operator-pods-dry-run-only',
    why:
      "The operator's ServiceAccount may create Pods only as a server-side dry run: it asks the namespace's " +
      "Pod Security admission about a Job's Pod before it creates the Job (RBAC cannot grant dry runs alone).",
    resources: [{ group: '', plural: 'pods' }],
    operations: ['CREATE'],
    matchConditions: [{ name: 'operator', expression: `request.userInfo.username == ${str(OPERATOR_USERNAME)}` }],
    variables: [],
    validations: [
      {
        expression: 'has(request.dryRun) && request.dryRun',
        messageExpression: str(
          'the vapp-operator ServiceAccount may create Pods only as a server-side dry run (dryRun=All)',
        ),
        reason: 'Forbidden',
      },
    ],
  };
}

/**
 * In the order they are installed; the members policy comes last, so that a cluster that enforces it
 * has loaded the others too (the sandbox waits for it: src/sandbox/admission.ts).
 */
export const POLICIES: readonly Policy[] = [
  operatorPodsDryRunOnly(),
  planJobs(),
  applianceServices(),
  applianceMembers(),
];

/** The policy the sandbox probes before it reports the cluster ready. */
export const LAST_POLICY = 'vapp-appliance-members';

/** The policy objects and their bindings (one binding each, Deny). */
export function admissionObjects(): Record<string, unknown>[] {
  return POLICIES.flatMap((p) => [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: p.name, labels: LABELS },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: p.resources.map((r) => ({
            apiGroups: [r.group],
            apiVersions: ['*'],
            operations: [...p.operations],
            resources: [r.plural],
          })),
        },
        matchConditions: p.matchConditions,
        ...(p.variables.length > 0 ? { variables: p.variables } : {}),
        validations: p.validations,
      },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: p.name, labels: LABELS },
      spec: { policyName: p.name, validationActions: ['Deny'] },
    },
  ]);
}

/** config/admission/policies.yaml */
export function renderAdmissionYaml(): string {
  const header =
    '# Generated by `npm run generate:admission` from src/api/admission/render.ts: do not edit.\n' +
    '# Admission that checks the requesting user, not the operator (see README, "Security model").\n';
  const objects = admissionObjects();
  const docs = objects.map((o, i) => {
    const policy = POLICIES[Math.floor(i / 2)];
    const comment = i % 2 === 0 && policy ? `# ${policy.why}\n` : '';
    return comment + stringify(o, { lineWidth: 0 });
  });
  return header + '---\n' + docs.join('---\n');
}
