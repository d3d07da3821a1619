import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { kubeconfigFiles, resolveConnection } from '../../../src/cli/kubeconfig.ts';

/** A kubeconfig with one cluster, user and context of each name. */
function config(opts: {
  current?: string;
  contexts: { name: string; cluster: string; namespace?: string }[];
  ca?: string;
}) {
  const clusters = [...new Set(opts.contexts.map((c) => c.cluster))];
  return [
    'apiVersion: v1',
    'kind: Config',
    ...(opts.current ? [`current-context: ${opts.current}`] : []),
    'clusters:',
    ...clusters.flatMap((c) => [
      `- name: ${c}`,
      '  cluster:',
      `    server: https://${c}.example:6443`,
      ...(opts.ca ? [`    certificate-authority: ${opts.ca}`] : []),
    ]),
    'users:',
    ...opts.contexts.flatMap((c) => [`- name: user-${c.name}`, '  user:', `    token: t-${c.name}`]),
    'contexts:',
    ...opts.contexts.flatMap((c) => [
      `- name: ${c.name}`,
      '  context:',
      `    cluster: ${c.cluster}`,
      `    user: user-${c.name}`,
      ...(c.namespace ? [`    namespace: ${c.namespace}`] : []),
    ]),
    '',
  ].join('\n');
}

describe('kubeconfig resolution, as kubectl does it', () => {
  let dir: string;
  let first: string;
  let second: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vapp-kc-'));
    first = path.join(dir, 'first');
    second = path.join(dir, 'second');
    await writeFile(
      first,
      config({ current: 'dev', ca: 'ca.crt', contexts: [{ name: 'dev', cluster: 'dev', namespace: 'shop' }] }),
    );
    await writeFile(
      second,
      config({
        current: 'prod',
        contexts: [
          { name: 'prod', cluster: 'prod' },
          { name: 'dev', cluster: 'other' },
        ],
      }),
    );
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('merges $KUBECONFIG with the first file winning, and skips files that do not exist', () => {
    const c = resolveConnection({}, { KUBECONFIG: [path.join(dir, 'missing'), first, second].join(path.delimiter) });
    assert.deepEqual(c.files, [first, second]);
    assert.equal(c.context, 'dev', 'current-context of the first file that sets one');
    assert.equal(c.kubeConfig.getCurrentCluster()?.server, 'https://dev.example:6443', 'dev of the first file');
    assert.equal(c.namespace, 'shop', "the context's namespace");
    assert.equal(c.kubeConfig.getCurrentCluster()?.caFile, path.join(dir, 'ca.crt'), 'relative to its file');
  });

  it('takes --context, -n and --kubeconfig over the environment', () => {
    const env = { KUBECONFIG: [first, second].join(path.delimiter) };
    const prod = resolveConnection({ context: 'prod' }, env);
    assert.equal(prod.kubeConfig.getCurrentCluster()?.server, 'https://prod.example:6443');
    assert.equal(prod.namespace, 'default', 'no namespace in the context');
    assert.equal(resolveConnection({ namespace: 'other' }, env).namespace, 'other');
    const only = resolveConnection({ kubeconfig: second }, env);
    assert.deepEqual([only.files, only.context], [[second], 'prod']);
  });

  it('says what is wrong: a missing --kubeconfig, an unknown context, no kubeconfig at all', () => {
    assert.throws(() => kubeconfigFiles({ kubeconfig: path.join(dir, 'nope') }), /--kubeconfig .*nope: no such file/);
    assert.throws(
      () => resolveConnection({ context: 'staging' }, { KUBECONFIG: first }),
      /context "staging" does not exist/,
    );
    assert.throws(() => resolveConnection({}, { KUBECONFIG: '', home: dir }), /no kubeconfig found/);
  });
});
