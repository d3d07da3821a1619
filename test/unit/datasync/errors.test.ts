import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DatasyncError, describeIoError, exitStatusFor } from '../../../src/datasync/errors.ts';

const sysError = (code: string): Error => Object.assign(new Error(`${code}: something`), { code });

describe('describeIoError', () => {
  it('maps system errors to codes and actionable messages', () => {
    const cases: [string, 'source' | 'target', string, RegExp][] = [
      ['ENOENT', 'source', 'SOURCE_MISSING', /source \/v\/disk\.img does not exist/],
      ['ENOENT', 'target', 'TARGET_MISSING', /target \/v\/disk\.img does not exist/],
      ['EROFS', 'target', 'TARGET_READ_ONLY', /read-only filesystem; mount the target volume read-write/],
      ['EACCES', 'source', 'SOURCE_UNREADABLE', /cannot open source \/v\/disk\.img: permission denied/],
      ['EPERM', 'target', 'TARGET_NOT_WRITABLE', /permission denied/],
      ['EIO', 'source', 'SOURCE_UNREADABLE', /device I\/O error \(EIO\)/],
      ['EIO', 'target', 'IO', /device I\/O error/],
      [
        'EISDIR',
        'source',
        'NOT_FILE_OR_DEVICE',
        /is a directory; give the image file inside it \(for example \/v\/disk\.img\/disk\.img\)/,
      ],
      [
        'EFBIG',
        'target',
        'SIZE_UNSUPPORTED',
        /target \/v\/disk\.img cannot take the source's size: the file would exceed the maximum file size/,
      ],
      ['ENOSPC', 'target', 'NO_SPACE', /no space left/],
      ['EWHATEVER', 'target', 'IO', /cannot open target \/v\/disk\.img: EWHATEVER: something/],
    ];
    for (const [errno, side, code, message] of cases) {
      const err = describeIoError(sysError(errno), side, '/v/disk.img', 'open');
      assert.equal(err.code, code, errno);
      assert.match(err.message, message, errno);
      assert.equal((err.cause as Error).message, `${errno}: something`);
    }
  });

  it('passes DatasyncErrors through', () => {
    const e = new DatasyncError('SAME_FILE', 'same');
    assert.equal(describeIoError(e, 'target', '/x', 'open'), e);
  });

  it('exits with 2 for errors a retry cannot fix, 1 for the others', () => {
    assert.equal(exitStatusFor('TARGET_READ_ONLY'), 2);
    assert.equal(exitStatusFor('SOURCE_MISSING'), 2);
    assert.equal(exitStatusFor('IO'), 1);
    assert.equal(exitStatusFor('VERIFY_MISMATCH'), 1);
    assert.equal(exitStatusFor('INTERNAL'), 1);
  });
});
