// The rendered CRDs are structural, documented and carry the rules, names and columns users rely on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { renderCrds, structuralSchemaOf } from '../../../src/api/crd/render.ts';
import {
  StructuralSchemaError,
  toStructural,
  walkSchema,
  type JSONSchemaProps,
} from '../../../src/api/crd/structural.ts';

type Crd = {
  metadata: { name: string };
  spec: {
    names: { kind: string; shortNames: string[]; categories: string[] };
    versions: {
      name: string;
      subresources: unknown;
      additionalPrinterColumns: { name: string; jsonPath: string }[];
      schema: { openAPIV3Schema: JSONSchemaProps };
    }[];
  };
};

const crds = renderCrds().map((r) => r.crd as unknown as Crd);
const byKind = (kind: string): Crd => crds.find((c) => c.spec.names.kind === kind)!;
const schemaOf = (kind: string): JSONSchemaProps => byKind(kind).spec.versions[0]!.schema.openAPIV3Schema;
const props = (n: JSONSchemaProps) => n.properties as Record<string, JSONSchemaProps>;

function nodes(kind: string): [JSONSchemaProps, string][] {
  const out: [JSONSchemaProps, string][] = [];
  walkSchema(schemaOf(kind), (n, p) => out.push([n, p]));
  return out;
}

describe('rendered CRDs', () => {
  it('are namespaced v1alpha1 kinds with a status subresource, short names and a category', () => {
    assert.deepEqual(
      crds.map((c) => c.metadata.name),
      [
        'virtualappliances.vapp.dev',
        'maintenanceplans.vapp.dev',
        'baseimages.vapp.dev',
        'maintenancerollouts.vapp.dev',
      ],
    );
    assert.deepEqual(byKind('VirtualAppliance').spec.names.shortNames, ['vapp']);
    assert.deepEqual(byKind('MaintenancePlan').spec.names.shortNames, ['mplan', 'mp']);
    assert.deepEqual(byKind('BaseImage').spec.names.shortNames, ['bimg']);
    assert.deepEqual(byKind('MaintenanceRollout').spec.names.shortNames, ['mroll']);
    for (const crd of crds) {
      assert.equal(crd.spec.versions[0]!.name, 'v1alpha1');
      assert.deepEqual(crd.spec.versions[0]!.subresources, { status: {} });
      assert.deepEqual(crd.spec.names.categories, ['vapp-all']);
      // A category equal to a short name would shadow it in kubectl.
      assert.ok(!crds.some((c) => c.spec.names.shortNames.includes(crd.spec.names.categories[0]!)));
    }
  });

  it('have the printer columns of kubectl get', () => {
    const cols = (kind: string) =>
      byKind(kind).spec.versions[0]!.additionalPrinterColumns.map((c) => `${c.name}=${c.jsonPath}`);
    assert.deepEqual(cols('VirtualAppliance'), [
      'Active Slot=.status.activeSlot',
      'Ready=.status.conditions[?(@.type=="Ready")].status',
      'Members=.status.readyMembers',
      'Plan=.status.activePlan',
      'Age=.metadata.creationTimestamp',
    ]);
    assert.deepEqual(cols('MaintenancePlan'), [
      'Appliance=.spec.appliance',
      'Phase=.status.phase',
      'Progress=.status.progress',
      'Downtime=.status.downtimeSeconds',
      'Message=.status.conditions[?(@.type=="Ready")].message',
      'Age=.metadata.creationTimestamp',
    ]);
    assert.deepEqual(cols('BaseImage'), [
      'Latest=.status.latest.displayVersion',
      'Versions=.status.versionCount',
      'In Use=.status.inUse',
      'Reclaimable=.status.reclaimable',
      'Usage=.status.usage',
      'Ready=.status.conditions[?(@.type=="Ready")].status',
      'Releasable=.status.releasable',
      'Message=.status.conditions[?(@.type=="Ready")].message',
      'Age=.metadata.creationTimestamp',
    ]);
    assert.deepEqual(cols('MaintenanceRollout'), [
      'Phase=.status.phase',
      'Progress=.status.progress',
      'Wave=.status.currentWave',
      'Failed=.status.failures.count',
      'Revision=.status.revision',
      'Next Window=.status.nextWindowStart',
      'Message=.status.conditions[?(@.type=="Ready")].message',
      'Age=.metadata.creationTimestamp',
    ]);
  });

  for (const kind of ['VirtualAppliance', 'MaintenancePlan', 'BaseImage', 'MaintenanceRollout']) {
    describe(kind, () => {
      it('is structural: every node typed, no $schema, $ref, additionalProperties next to properties or false, no unions but int-or-string', () => {
        for (const [n, p] of nodes(kind)) {
          assert.ok(typeof n.type === 'string' || n['x-kubernetes-int-or-string'] === true, `${p} has a type`);
          for (const k of ['$schema', '$ref', 'oneOf', 'allOf', 'not', 'const'])
            assert.ok(!(k in n), `${p} has no ${k}`);
          assert.ok(!(n.additionalProperties === false), `${p}: additionalProperties false`);
          assert.ok(!(n.properties && n.additionalProperties), `${p}: properties and additionalProperties`);
          if (n.anyOf)
            assert.deepEqual(n.anyOf, [{ type: 'integer' }, { type: 'string' }], `${p}: only int-or-string unions`);
        }
        assert.deepEqual(props(schemaOf(kind)).metadata, { type: 'object' }, 'metadata is left to the API server');
      });

      it('describes every field (kubectl explain)', () => {
        const undocumented = nodes(kind)
          .filter(
            ([n, p]) =>
              p !== '' &&
              p !== 'metadata' &&
              !p.endsWith('[]') &&
              !p.endsWith('{}') &&
              typeof n.description !== 'string',
          )
          .map(([, p]) => p);
        assert.deepEqual(undocumented, []);
      });

      it('bounds every list and string that a CEL rule reads (cost budget)', () => {
        for (const [n, p] of nodes(kind)) {
          if (n.type === 'array' && p.startsWith('spec'))
            assert.equal(typeof n.maxItems, 'number', `${p} has maxItems`);
          if (n.type === 'string' && p.startsWith('spec') && !n.enum && !n.pattern)
            assert.equal(typeof n.maxLength, 'number', `${p} has maxLength`);
        }
      });

      it('gives every CEL rule a message that names a field', () => {
        const rules = nodes(kind).flatMap(([n, p]) =>
          ((n['x-kubernetes-validations'] ?? []) as { rule: string; message?: string }[]).map((r) => ({ ...r, at: p })),
        );
        assert.ok(rules.length > 0);
        for (const r of rules) assert.match(r.message ?? '', /\bspec\.[a-zA-Z]/, `rule at ${r.at}: ${r.rule}`);
      });

      it('keys conditions by type', () => {
        const conditions = props(props(schemaOf(kind)).status!).conditions!;
        assert.equal(conditions['x-kubernetes-list-type'], 'map');
        assert.deepEqual(conditions['x-kubernetes-list-map-keys'], ['type']);
        assert.deepEqual((conditions.items as JSONSchemaProps).required, [
          'type',
          'status',
          'lastTransitionTime',
          'reason',
          'message',
        ]);
      });
    });
  }

  it('make the plan spec immutable except approvedHash, suspend, abort and rollbackNow, including adding or removing a field', () => {
    const spec = props(schemaOf('MaintenancePlan')).spec!;
    const rules = spec['x-kubernetes-validations'] as { rule: string; fieldPath?: string }[];
    const guarded = rules.filter((r) => r.rule.includes('oldSelf')).map((r) => r.fieldPath);
    assert.deepEqual(
      guarded.sort(),
      [
        '.abort',
        '.rollbackNow',
        '.allowDowngrade',
        '.appliance',
        '.approval',
        '.baseImage',
        '.components',
        '.dataSync',
        '.failedClonePolicy',
        '.rollback',
        '.verify',
        '.window',
      ].sort(),
    );
    const window = rules.find((r) => r.fieldPath === '.window')!;
    assert.match(window.rule, /has\(self\.window\) == has\(oldSelf\.window\)/);
  });

  it('render an int-or-string quantity with its constraints', () => {
    const dataSync = props(props(schemaOf('MaintenancePlan')).spec!).dataSync!;
    const q = props(dataSync).convergedBelow!;
    assert.equal(q['x-kubernetes-int-or-string'], true);
    assert.equal(q.default, '64Mi');
    assert.equal(q.minimum, 0);
    assert.equal(typeof q.pattern, 'string');
    assert.equal(q.type, undefined);
  });
});

describe('toStructural', () => {
  it('turns loose objects into preserve-unknown-fields and drops additionalProperties: false', () => {
    assert.deepEqual(structuralSchemaOf(z.looseObject({ a: z.string().describe('a') })), {
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
      properties: { a: { description: 'a', type: 'string' } },
      required: ['a'],
    });
    assert.deepEqual(structuralSchemaOf(z.strictObject({ a: z.boolean() })), {
      type: 'object',
      properties: { a: { type: 'boolean' } },
      required: ['a'],
    });
  });

  it('drops the safe-integer bounds zod adds and keeps real ones', () => {
    assert.deepEqual(structuralSchemaOf(z.int().min(1)), { type: 'integer', minimum: 1 });
  });

  it('refuses what a structural schema cannot hold, naming the node', () => {
    assert.throws(
      () => structuralSchemaOf(z.object({ a: z.union([z.string(), z.boolean()]) })),
      (e: unknown) => e instanceof StructuralSchemaError && /^a: anyOf/.test(e.message),
    );
    assert.throws(
      () => structuralSchemaOf(z.object({ a: z.object({ b: z.unknown() }) })),
      /a\.b: every node .* needs a type/,
    );
    assert.throws(() => toStructural({ type: 'object', $ref: '#/x' }), /references/);
    assert.throws(
      () => toStructural({ type: 'string', title: 'x', examples: ['a'], xml: {} }),
      /unsupported schema keyword xml/,
    );
  });
});
