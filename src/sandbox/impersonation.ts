// A client configuration that acts as another user (Impersonate-User), from the admin's: what
// `kubectl --as NAME` does. For the sandbox's admission probe and the tests of what a user may do.
import { KubeConfig } from '@kubernetes/client-node';

export function impersonating(admin: KubeConfig, username: string): KubeConfig {
  const cluster = admin.getCurrentCluster();
  const user = admin.getCurrentUser();
  if (cluster === null || user === null) throw new Error('the admin kubeconfig has no current cluster or user');
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ ...user, name: `as-${username}`, impersonateUser: username }],
    contexts: [{ name: `as-${username}`, cluster: cluster.name, user: `as-${username}` }],
    currentContext: `as-${username}`,
  });
  return kc;
}
