import { stringify } from 'yaml';

/** What a token-authenticated kubeconfig needs. */
export interface KubeconfigParams {
  readonly server: string;
  readonly caData: string;
  readonly user: string;
  readonly token: string;
  readonly name?: string;
  readonly namespace?: string;
}

/** Renders a single-context kubeconfig that kubectl and @kubernetes/client-node both read. */
export function kubeconfigYaml(p: KubeconfigParams): string {
  const name = p.name ?? 'vapp-sandbox';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name, cluster: { server: p.server, 'certificate-authority-data': Buffer.from(p.caData).toString('base64') } },
    ],
    users: [{ name: p.user, user: { token: p.token } }],
    contexts: [{ name, context: { cluster: name, user: p.user, ...(p.namespace ? { namespace: p.namespace } : {}) } }],
    'current-context': name,
  });
}
