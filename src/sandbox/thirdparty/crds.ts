// Builds the CustomResourceDefinitions of the third-party kinds from the upstream specs.
import { parse as parseYaml } from 'yaml';
import type { V1CustomResourceDefinition } from '@kubernetes/client-node';
import { THIRD_PARTY_KINDS, type ThirdPartyKind } from './kinds.ts';
import { readSpec } from './specs.ts';
import { structuralSchema, type Definitions, type SchemaNode } from './structural-schema.ts';

/** Renders one kind's CRD from its Swagger definitions (pure). */
export function crdFromSwagger(kind: ThirdPartyKind, definitions: Definitions): V1CustomResourceDefinition {
  const schema = structuralSchema(definitions, kind.definition);
  const properties = { ...(schema.properties as Record<string, SchemaNode> | undefined) };
  // A CRD schema may not describe metadata beyond name restrictions: the API server owns it.
  properties.metadata = { type: 'object' };
  const hasStatus = properties.status !== undefined && kind.statusSubresource !== false;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${kind.plural}.${kind.group}`, labels: { 'app.kubernetes.io/part-of': 'vapp-sandbox' } },
    spec: {
      group: kind.group,
      scope: 'Namespaced',
      names: {
        kind: kind.kind,
        listKind: `${kind.kind}List`,
        plural: kind.plural,
        singular: kind.kind.toLowerCase(),
        shortNames: [...kind.shortNames],
        categories: [...kind.categories],
      },
      versions: [
        {
          name: kind.version,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { ...schema, properties } },
          subresources: hasStatus ? { status: {} } : undefined,
          additionalPrinterColumns: kind.printerColumns.map((c) => ({ ...c })),
        },
      ],
    },
  };
}

interface SwaggerDocument {
  readonly definitions: Definitions;
}

/** All third-party CRDs the sandbox installs: KubeVirt and CDI kinds plus the CSI VolumeSnapshot CRDs. */
export async function thirdPartyCrds(): Promise<V1CustomResourceDefinition[]> {
  const swagger = {
    kubevirt: JSON.parse(await readSpec('kubevirt')) as SwaggerDocument,
    cdi: JSON.parse(await readSpec('cdi')) as SwaggerDocument,
  };
  const crds = THIRD_PARTY_KINDS.map((kind) => crdFromSwagger(kind, swagger[kind.spec].definitions));
  for (const name of [
    'volumeSnapshots',
    'volumeSnapshotContents',
    'volumeSnapshotClasses',
    'snapshotMetadataServices',
  ] as const) {
    crds.push(parseYaml(await readSpec(name)) as V1CustomResourceDefinition);
  }
  return crds;
}
