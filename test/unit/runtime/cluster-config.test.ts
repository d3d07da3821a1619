import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  TOKEN_FILE_TTL_MS,
  TokenSource,
  configSource,
  inClusterConfig,
  needsPlugin,
  parseKubeconfigs,
  resolveContext,
} from '../../../src/runtime/cluster-config.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

const ADMIN = `
apiVersion: v1
kind: Config
current-context: admin
clusters:
- name: sandbox
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: ${b64('CA PEM')}
    tls-server-name: kubernetes
- name: insecure
  cluster:
    server: https://10.0.0.1/k8s/clusters/c-1
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    client-certificate-data: ${b64('CERT PEM')}
    client-key: keys/admin.key
- name: robot
  user:
    token: abc
- name: cloud
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: gke-gcloud-auth-plugin
contexts:
- name: admin
  context: { cluster: sandbox, user: admin, namespace: shop }
- name: robot
  context: { cluster: insecure, user: robot }
- name: cloud
  context: { cluster: sandbox, user: cloud }
`;

describe('cluster configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
  writeFileSync(join(dir, 'admin.key'), 'KEY PEM');

  it('resolves the current context: server, CA, client certificate (a relative file), namespace', () => {
    const config = parseKubeconfigs([{ text: ADMIN.replace('keys/admin.key', 'admin.key'), dir }]);
    const c = resolveContext(config);
    assert.equal(c.server, 'https://127.0.0.1:6443');
    assert.equal(c.ca?.toString(), 'CA PEM');
    assert.equal(c.cert?.toString(), 'CERT PEM');
    assert.equal(c.key?.toString(), 'KEY PEM');
    assert.equal(c.tlsServerName, 'kubernetes');
    assert.equal(c.namespace, 'shop');
    assert.equal(c.token, undefined);
  });

  it('resolves a named context with a token and insecure-skip-tls-verify', () => {
    const c = resolveContext(parseKubeconfigs([{ text: ADMIN, dir }]), 'robot');
    assert.deepEqual(c, { server: 'https://10.0.0.1/k8s/clusters/c-1', token: 'abc', insecureSkipTLSVerify: true });
  });

  it('says when a user needs a plugin, and refuses to resolve it', () => {
    const config = parseKubeconfigs([{ text: ADMIN, dir }]);
    assert.equal(needsPlugin(config), false);
    assert.equal(needsPlugin(config, 'cloud'), true);
    assert.throws(() => resolveContext(config, 'cloud'), /exec and auth-provider/);
  });

  it('leaves a cluster behind a proxy (proxy-url) to client-node, and refuses to resolve it', () => {
    const text = `current-context: p
clusters:
- name: behind
  cluster: { server: 'https://10.0.0.1:6443', proxy-url: 'http://proxy.corp:3128' }
users:
- name: robot
  user: { token: t }
contexts:
- name: p
  context: { cluster: behind, user: robot }
`;
    const config = parseKubeconfigs([{ text, dir }]);
    assert.equal(needsPlugin(config), true);
    assert.throws(() => resolveContext(config), /proxy-url is not read/);
  });

  it('names what is missing', () => {
    const config = parseKubeconfigs([{ text: ADMIN, dir }]);
    assert.throws(() => resolveContext(config, 'nope'), /no context nope/);
    assert.throws(() => resolveContext(parseKubeconfigs([{ text: 'clusters: []', dir }])), /no current-context/);
    const noCluster = 'current-context: a\ncontexts:\n- name: a\n  context: { cluster: gone, user: robot }\n';
    assert.throws(() => resolveContext(parseKubeconfigs([{ text: noCluster, dir }])), /no cluster gone/);
  });

  it('merges files as kubectl does: the first to name an entry or a current-context wins', () => {
    const first = 'current-context: robot\nusers:\n- name: robot\n  user: { token: first }\n';
    const config = parseKubeconfigs([
      { text: first, dir },
      { text: ADMIN, dir },
    ]);
    assert.equal(config.currentContext, 'robot');
    assert.equal(resolveContext(config).token, 'first');
    assert.equal(resolveContext(config).server, 'https://10.0.0.1/k8s/clusters/c-1');
  });

  it('in a Pod: the service host and port, the mounted CA, token file and namespace', () => {
    const files: Record<string, string> = { '/sa/ca.crt': 'CA', '/sa/token': 't1', '/sa/namespace': 'vapp-system\n' };
    const read = (p: string): Buffer => {
      const text = files[p];
      if (text === undefined) throw new Error(`ENOENT ${p}`);
      return Buffer.from(text);
    };
    const env = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };
    const c = inClusterConfig(env, '/sa', read);
    assert.deepEqual(
      { ...c, ca: c.ca?.toString() },
      { server: 'https://10.96.0.1:443', ca: 'CA', tokenFile: '/sa/token', namespace: 'vapp-system' },
    );
    assert.equal(
      inClusterConfig({ ...env, KUBERNETES_SERVICE_HOST: 'fd00::1' }, '/sa', read).server,
      'https://[fd00::1]:443',
    );
    assert.throws(() => inClusterConfig({}, '/sa', read), /not in a cluster/);
    delete files['/sa/token'];
    assert.throws(() => inClusterConfig(env, '/sa', read), /ENOENT \/sa\/token/);
  });

  it('re-reads a token file once a minute, keeping the last token if a re-read fails', () => {
    let token: string | undefined = 'one\n';
    let now = 0;
    const source = new TokenSource(
      { server: 'https://x', tokenFile: '/t' },
      () => {
        if (token === undefined) throw new Error('ENOENT');
        return token;
      },
      () => now,
    );
    assert.equal(source.token(), 'one');
    token = 'two';
    now = TOKEN_FILE_TTL_MS - 1;
    assert.equal(source.token(), 'one');
    now = TOKEN_FILE_TTL_MS;
    assert.equal(source.token(), 'two');
    token = undefined;
    now = 3 * TOKEN_FILE_TTL_MS;
    assert.equal(source.token(), 'two');
    assert.equal(new TokenSource({ server: 'https://x', token: 'inline' }).token(), 'inline');
  });

  it('finds the configuration in client-node loadFromDefault order', () => {
    const exists = (p: string): boolean => p !== '/missing';
    assert.deepEqual(configSource('/flag', { KUBECONFIG: '/env' }, exists), { kind: 'kubeconfig', files: ['/flag'] });
    assert.deepEqual(configSource(undefined, { KUBECONFIG: '/a:/missing:/b' }, exists), {
      kind: 'kubeconfig',
      files: ['/a', '/b'],
    });
    assert.deepEqual(configSource(undefined, { HOME: '/home/u' }, exists), {
      kind: 'kubeconfig',
      files: ['/home/u/.kube/config'],
    });
    const none = (): boolean => false;
    assert.deepEqual(configSource(undefined, { HOME: '/h', KUBERNETES_SERVICE_HOST: '10.96.0.1' }, none), {
      kind: 'in-cluster',
    });
    assert.throws(() => configSource(undefined, { HOME: '/h' }, none), /not in a cluster/);
  });
});
