// The pure parts of the sandbox's CDI: import names, garbage collection order, the registry,
// the os-release block, what a DataVolume does and what a DataSource resolves to.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collectable, importName } from '../../../../../src/sandbox/simulator/cdi/dataimportcron-controller.ts';
import { resolveDataSource } from '../../../../../src/sandbox/simulator/cdi/datasource-controller.ts';
import { dvWork } from '../../../../../src/sandbox/simulator/cdi/datavolume.ts';
import { osReleaseBlock, parseOsRelease } from '../../../../../src/sandbox/simulator/cdi/os-release.ts';
import { SimRegistry, parseRegistryUrl } from '../../../../../src/sandbox/simulator/cdi/registry.ts';
import type { DataSource, DataVolume } from '../../../../../src/kubevirt/types.ts';

const ds = (name: string, source: DataSource['spec']['source'], ns = 'golden'): DataSource => ({
  metadata: { name, namespace: ns },
  spec: { source },
});

describe('sandbox CDI', () => {
  it("names imports as CDI's createDvName does", () => {
    assert.equal(importName('fedora', `sha256:${'ab'.repeat(32)}`), 'fedora-abababababab');
    assert.equal(importName('fedora', 'uid:0123456789abcdef'), 'fedora-0123456789ab');
    assert.equal(importName('fedora', 'md5:xyz'), undefined);
  });

  it('garbage-collects all but the importsToKeep most recently used, whatever uses them', () => {
    const obj = (name: string, last?: string): { metadata: { name: string; annotations: Record<string, string> } } => ({
      metadata: { name, annotations: last ? { 'cdi.kubevirt.io/storage.import.lastUseTime': last } : {} },
    });
    const items = [
      obj('a', '2026-01-01T00:00:00Z'),
      obj('c', '2026-03-01T00:00:00Z'),
      obj('b', '2026-02-01T00:00:00Z'),
      obj('x'),
    ];
    assert.deepEqual(
      collectable(items, 1).map((o) => o.metadata.name),
      ['b', 'a', 'x'],
    );
    assert.deepEqual(collectable(items, 4), []);
  });

  it('serves a new digest when the tag points at another version; a digest names its image', () => {
    const r = new SimRegistry();
    const a = r.publish('docker://registry.example.com/os/fedora:40', '40.1');
    const b = r.publish('docker://registry.example.com/os/fedora:40', '40.2');
    assert.notEqual(a.digest, b.digest);
    assert.equal(r.publish('docker://registry.example.com/os/fedora:40', '40.1').digest, a.digest, 'deterministic');
    assert.equal(r.resolve(`docker://registry.example.com/os/fedora@${a.digest}`).version, '40.1');
    assert.equal(
      r.resolve('docker://registry.example.com/os/fedora:40').version,
      '40.1',
      'the tag points at the last published',
    );
    assert.deepEqual(parseRegistryUrl('docker://registry:5000/os/fedora:40'), {
      repository: 'registry:5000/os/fedora',
      tag: '40',
    });
  });

  it('writes and reads back the os-release of an imported disk', () => {
    const image = new SimRegistry().publish('docker://registry.example.com/os/fedora:40', '40.2');
    assert.deepEqual(parseOsRelease(osReleaseBlock(image)), {
      id: 'fedora',
      name: 'fedora',
      version: '40.2',
      versionId: '40.2',
      prettyName: 'Fedora 40.2 (sandbox)',
    });
    assert.equal(parseOsRelease(Buffer.alloc(4096)), undefined);
  });

  it('resolves a sourceRef through the DataSource (one hop), on every pass', () => {
    const sources = new Map([
      ['golden/fedora', ds('fedora', { snapshot: { namespace: 'golden', name: 'fedora-1' } })],
      ['golden/alias', ds('alias', { dataSource: { namespace: 'golden', name: 'fedora' } })],
    ]);
    const lookup = (ns: string, n: string) => sources.get(`${ns}/${n}`);
    const dv = (spec: DataVolume['spec']): DataVolume => ({ metadata: { name: 'root', namespace: 'apps' }, spec });
    assert.deepEqual(dvWork(dv({ sourceRef: { kind: 'DataSource', namespace: 'golden', name: 'alias' } }), lookup), {
      kind: 'clone',
      from: 'snapshot',
      namespace: 'golden',
      name: 'fedora-1',
    });
    assert.equal(
      dvWork(dv({ sourceRef: { kind: 'DataSource', namespace: 'golden', name: 'nope' } }), lookup).kind,
      'unresolved',
    );
    assert.deepEqual(dvWork(dv({ source: { registry: { url: 'docker://r/os:1' } } }), lookup), {
      kind: 'import',
      url: 'docker://r/os:1',
      source: 'registry',
    });
  });

  it('a DataSource is Ready on a ready snapshot or an existing PVC, else not, with its status.source cleared', () => {
    const none = {
      dataSource: () => undefined,
      pvc: () => undefined,
      dataVolume: () => undefined,
      snapshot: () => undefined,
    };
    const ready = resolveDataSource(ds('fedora', { snapshot: { namespace: 'golden', name: 's' } }), {
      ...none,
      snapshot: () => ({ spec: { source: {} }, status: { readyToUse: true } }),
    });
    assert.deepEqual(ready, {
      source: { snapshot: { namespace: 'golden', name: 's' } },
      ready: { status: 'True', reason: 'Ready', message: 'DataSource is ready to be consumed' },
    });
    const missing = resolveDataSource(ds('fedora', { pvc: { namespace: 'golden', name: 'p' } }), none);
    assert.deepEqual(missing, { source: {}, ready: { status: 'False', reason: 'NotFound', message: 'PVC not found' } });
    assert.equal(
      resolveDataSource(ds('fedora', { dataSource: { namespace: 'golden', name: 'fedora' } }), none).ready.reason,
      'SelfReference',
    );
  });
});
