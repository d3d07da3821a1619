import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiException } from '@kubernetes/client-node';
import {
  ApiError,
  apiStatus,
  errorMessage,
  isAlreadyExists,
  isConflict,
  isGone,
  isNotFound,
} from '../../../src/runtime/errors.ts';

function apiError(code: number, reason: string, message = 'msg'): ApiException<string> {
  return new ApiException(
    code,
    'HTTP',
    JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message }),
    {},
  );
}

describe('API error helpers', () => {
  it('classify ApiException by code and Status reason from the raw body', () => {
    assert.ok(isNotFound(apiError(404, 'NotFound')));
    assert.ok(isConflict(apiError(409, 'Conflict')));
    assert.ok(!isConflict(apiError(409, 'AlreadyExists')));
    assert.ok(isAlreadyExists(apiError(409, 'AlreadyExists')));
    assert.ok(isGone(apiError(410, 'Expired')));
    assert.deepEqual(apiStatus(apiError(422, 'Invalid', 'bad spec')), {
      code: 422,
      reason: 'Invalid',
      message: 'bad spec',
    });
  });

  it("classify the RestClient's ApiError the same way", () => {
    const body = JSON.stringify({ kind: 'Status', code: 409, reason: 'AlreadyExists', message: 'exists' });
    const err = new ApiError(409, 'POST /api/v1/namespaces', body);
    assert.ok(isAlreadyExists(err));
    assert.ok(!isConflict(err));
    assert.equal(errorMessage(err), '409 AlreadyExists: exists');
    assert.equal(err.code, 409);
    assert.equal(err.body, body);
    // A Node system error has a string code: not an API answer.
    assert.equal(apiStatus(Object.assign(new Error('reset'), { code: 'ECONNRESET', body: '' })), undefined);
  });

  it('cope with non-JSON bodies and other errors', () => {
    assert.deepEqual(apiStatus(new ApiException(502, 'x', 'Bad Gateway', {})), { code: 502, message: 'Bad Gateway' });
    assert.ok(!isNotFound(new Error('boom')));
    assert.equal(apiStatus(new Error('boom')), undefined);
    assert.ok(isGone(Object.assign(new Error('Gone'), { statusCode: 410 })));
    assert.equal(errorMessage(apiError(404, 'NotFound', 'pods "x" not found')), '404 NotFound: pods "x" not found');
    assert.equal(errorMessage('plain'), 'plain');
  });
});
