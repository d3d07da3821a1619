import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createLogger } from '../../../src/runtime/log.ts';

async function capture(
  format: 'json' | 'text',
  level: string,
  write: (log: ReturnType<typeof createLogger>) => void,
): Promise<string> {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString()));
  const log = createLogger({ format, level, stream });
  write(log);
  await new Promise<void>((resolve) => log.on('finish', resolve).end());
  return chunks.join('');
}

describe('createLogger', () => {
  it('writes one JSON object per line with level, message, timestamp and fields', async () => {
    const out = await capture('json', 'info', (log) => {
      log.child({ controller: 'appliance' }).info('reconciled', { key: 'shop/db' });
      log.debug('hidden');
    });
    const lines = out.trim().split('\n');
    assert.equal(lines.length, 1);
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(entry.level, 'info');
    assert.equal(entry.message, 'reconciled');
    assert.equal(entry.controller, 'appliance');
    assert.equal(entry.key, 'shop/db');
    assert.equal(typeof entry.timestamp, 'string');
  });

  it('writes readable text with key=value fields', async () => {
    const out = await capture('text', 'debug', (log) => log.warn('watch silent', { resource: 'pods', ms: 5 }));
    // eslint-disable-next-line no-control-regex
    const plain = out.replace(/\u001b\[[0-9;]*m/g, '');
    assert.match(plain, /^\d\d:\d\d:\d\d\.\d{3} warn watch silent resource=pods ms=5\n$/);
  });
});
