// The Grafana dashboard (config/grafana/vapp-operator.json, importable as-is), the ConfigMap that
// carries it to Grafana's dashboard sidecar (generated from the same JSON), and the PromQL of every
// panel with the dashboard's variables filled in, for promtool and for a real Prometheus.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Scalar, stringify } from 'yaml';

export const GRAFANA_DIR = path.join(import.meta.dirname, '../../config/grafana');
export const DASHBOARD_FILE = path.join(GRAFANA_DIR, 'vapp-operator.json');
export const DASHBOARD_CONFIGMAP = path.join(GRAFANA_DIR, 'dashboard-configmap.yaml');

interface Panel {
  readonly id?: number;
  readonly type: string;
  readonly title: string;
  readonly targets?: readonly { readonly refId: string; readonly expr?: string }[];
  readonly panels?: readonly Panel[];
}
export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly panels: readonly Panel[];
  readonly templating: { readonly list: readonly { readonly name: string }[] };
}

export function readDashboard(file: string = DASHBOARD_FILE): { text: string; dashboard: Dashboard } {
  const text = readFileSync(file, 'utf8');
  return { text, dashboard: JSON.parse(text) as Dashboard };
}

/** The ConfigMap for the Grafana sidecar (label grafana_dashboard), holding the JSON as it is. */
export function renderDashboardConfigMap(text: string = readDashboard().text): string {
  const json = new Scalar(text);
  json.type = Scalar.BLOCK_LITERAL;
  const header = [
    '# The vapp-operator Grafana dashboard for the Grafana sidecar (kube-prometheus-stack picks up ConfigMaps',
    '# labelled grafana_dashboard). Generated from vapp-operator.json by `make generate`; a test fails when it',
    '# drifts. Put it in a namespace the sidecar watches.',
  ].join('\n');
  const body = stringify(
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'vapp-operator-dashboard',
        namespace: 'vapp-system',
        labels: { grafana_dashboard: '1', 'app.kubernetes.io/name': 'vapp-operator' },
      },
      data: { 'vapp-operator.json': json },
    },
    { lineWidth: 0 },
  );
  return `${header}\n${body}`;
}

export interface PanelQuery {
  readonly panel: string;
  /** The title of the row the panel is in (undefined above the first row). */
  readonly row?: string;
  readonly refId: string;
  /** As written in the dashboard, with its $variables. */
  readonly expr: string;
}

/** Every panel's every query, rows' nested panels included. */
export function panelQueries(dashboard: Dashboard = readDashboard().dashboard): PanelQuery[] {
  // A row's panels follow it on the grid, or (a collapsed row) are nested in it.
  let row: string | undefined;
  const all = (panels: readonly Panel[]): { panel: Panel; row: string | undefined }[] =>
    panels.flatMap((p) => {
      if (p.type === 'row') row = p.title;
      return [{ panel: p, row }, ...all(p.panels ?? [])];
    });
  return all(dashboard.panels).flatMap(({ panel: p, row: r }) =>
    (p.targets ?? []).map((t) => {
      if (t.expr === undefined || t.expr.trim() === '') throw new Error(`panel "${p.title}" ${t.refId} has no expr`);
      return { panel: p.title, ...(r === undefined ? {} : { row: r }), refId: t.refId, expr: t.expr };
    }),
  );
}

/** The values a query's variables take when it runs outside Grafana. */
export interface QueryVariables {
  readonly namespace?: string;
  readonly plan?: string;
  readonly job?: string;
  /** Grafana's $__rate_interval, $__interval and $__range, e.g. "1m". */
  readonly rateInterval?: string;
  readonly interval?: string;
  readonly range?: string;
}

/** `expr` with the dashboard's variables replaced (regex ones by their All value, `.*`). */
export function fillVariables(expr: string, v: QueryVariables = {}): string {
  const values: Record<string, string> = {
    __rate_interval: v.rateInterval ?? '1m',
    __interval: v.interval ?? '15s',
    __range: v.range ?? '1h',
    namespace: v.namespace ?? '.*',
    plan: v.plan ?? '.*',
    job: v.job ?? 'vapp-operator-metrics',
  };
  return expr.replace(/\$\{?(\w+)\}?/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`unknown dashboard variable ${whole} in ${expr}`);
    return value;
  });
}
