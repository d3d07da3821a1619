// The Argo CD resource customizations of config/argocd, laid out as Argo CD lays out its own
// built-in ones (resource_customizations/<group>/<Kind>/health.lua, actions/discovery.lua,
// actions/<name>/action.lua), and the argocd-cm patch that installs them. Adding a kind is a folder.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Document, Scalar, stringify } from 'yaml';

export const ARGOCD_DIR = path.join(import.meta.dirname, '../../config/argocd');
/** The generated patch, beside the scripts. */
export const ARGOCD_CM_PATCH = path.join(ARGOCD_DIR, 'argocd-cm-patch.yaml');

export interface ActionScript {
  readonly name: string;
  readonly lua: string;
}

/** The customization of one kind: its health check and, optionally, its actions. */
export interface KindCustomization {
  readonly group: string;
  readonly kind: string;
  readonly health?: string;
  readonly discovery?: string;
  readonly actions: readonly ActionScript[];
}

const dirs = (dir: string) =>
  readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : undefined);

/** Every kind under `dir` (default config/argocd), sorted by group and kind. */
export function readCustomizations(dir: string = ARGOCD_DIR): KindCustomization[] {
  return dirs(dir).flatMap((group) =>
    dirs(path.join(dir, group)).map((kind) => {
      const base = path.join(dir, group, kind);
      const actionsDir = path.join(base, 'actions');
      const actions = existsSync(actionsDir)
        ? dirs(actionsDir).map((name) => {
            const lua = read(path.join(actionsDir, name, 'action.lua'));
            if (lua === undefined) throw new Error(`${path.join(actionsDir, name)} has no action.lua`);
            return { name, lua };
          })
        : [];
      const discovery = read(path.join(actionsDir, 'discovery.lua'));
      if (actions.length > 0 && discovery === undefined)
        throw new Error(`${actionsDir} has actions but no discovery.lua`);
      const health = read(path.join(base, 'health.lua'));
      return {
        group,
        kind,
        ...(health !== undefined ? { health } : {}),
        ...(discovery !== undefined ? { discovery } : {}),
        actions,
      };
    }),
  );
}

/** argocd-cm's key suffix for a kind: <group>_<Kind>. */
export const argocdKey = (c: Pick<KindCustomization, 'group' | 'kind'>) => `${c.group}_${c.kind}`;

const literal = (text: string) => {
  const s = new Scalar(text);
  s.type = Scalar.BLOCK_LITERAL;
  return s;
};

/** The value of resource.customizations.actions.<key>: Argo CD's ResourceActions as YAML. */
function actionsValue(c: KindCustomization): string {
  const doc = new Document({
    'discovery.lua': literal(c.discovery ?? ''),
    definitions: c.actions.map((a) => ({ name: a.name, 'action.lua': literal(a.lua) })),
  });
  return doc.toString({ lineWidth: 0 });
}

/** The argocd-cm patch (config/argocd/argocd-cm-patch.yaml) carrying every kind's scripts. */
export function renderArgocdCmPatch(customizations: readonly KindCustomization[] = readCustomizations()): string {
  const data: Record<string, Scalar> = {};
  for (const c of customizations) {
    if (c.health !== undefined) data[`resource.customizations.health.${argocdKey(c)}`] = literal(c.health);
    if (c.actions.length > 0) data[`resource.customizations.actions.${argocdKey(c)}`] = literal(actionsValue(c));
  }
  const header = [
    '# Patch for argocd-cm (namespace argocd): health checks and resource actions for the vapp.dev kinds.',
    '# Generated from config/argocd/<group>/<Kind>/ by `make generate`; a test fails when it drifts.',
  ].join('\n');
  const body = stringify(
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'argocd-cm', namespace: 'argocd' }, data },
    { lineWidth: 0 },
  );
  return `${header}\n${body}`;
}
