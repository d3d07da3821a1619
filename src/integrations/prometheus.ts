// The shipped PrometheusRule (config/prometheus/alerts.yaml) as a plain Prometheus rule file, for
// promtool and for a Prometheus without prometheus-operator.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';

export const ALERTS_FILE = path.join(import.meta.dirname, '../../config/prometheus/alerts.yaml');

export interface AlertRule {
  readonly alert?: string;
  readonly record?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}
export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly AlertRule[];
}

/** spec.groups of the PrometheusRule. */
export function alertGroups(file: string = ALERTS_FILE): RuleGroup[] {
  const rule = parse(readFileSync(file, 'utf8')) as { kind?: string; spec?: { groups?: RuleGroup[] } };
  if (rule.kind !== 'PrometheusRule' || rule.spec?.groups === undefined)
    throw new Error(`${file} is not a PrometheusRule with spec.groups`);
  return rule.spec.groups;
}

/** A Prometheus rule file (`groups:`) with the PrometheusRule's groups. */
export function ruleFile(file: string = ALERTS_FILE): string {
  return stringify({ groups: alertGroups(file) }, { lineWidth: 0 });
}
