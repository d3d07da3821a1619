import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseBindAddress } from '../../../src/runtime/http-server.ts';

describe('parseBindAddress', () => {
  it('reads controller-runtime style addresses', () => {
    assert.deepEqual(parseBindAddress(':8080'), { port: 8080 });
    assert.deepEqual(parseBindAddress('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
    assert.deepEqual(parseBindAddress('[::1]:8081'), { host: '::1', port: 8081 });
    assert.equal(parseBindAddress('0'), undefined);
  });

  it('rejects malformed addresses', () => {
    assert.throws(() => parseBindAddress('8080'), /invalid bind address/);
    assert.throws(() => parseBindAddress(':99999'), /invalid port/);
  });
});
