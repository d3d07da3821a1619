import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RollbackSchema } from '../../../src/api/v1alpha1/index.ts';
import { parseDuration } from '../../../src/runtime/duration.ts';

describe('parseDuration (retainOriginalFor, in milliseconds)', () => {
  const cases: readonly [string, number][] = [
    ['24h', 86_400_000],
    ['90m', 5_400_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['0.1h', 360_000],
    ['45s', 45_000],
    ['250ms', 250],
    ['1m0.5s', 60_500],
    ['1500us', 2], // rounded up: a non-zero duration is never 0
    ['1µs', 1],
    ['1ns', 1],
    ['0s', 0],
    ['2h45m30s', 9_930_000],
  ];
  for (const [input, ms] of cases) {
    it(`${input} -> ${ms}`, () => assert.equal(parseDuration(input), ms));
  }

  it('parses the schema default', () => {
    assert.equal(parseDuration(RollbackSchema.parse({}).retainOriginalFor), 86_400_000);
  });

  for (const bad of ['', '24', 'h', '1d', '-1h', '1h 30m', '1.h', '24H']) {
    it(`refuses ${JSON.stringify(bad)} naming the field`, () => {
      assert.throws(() => parseDuration(bad), {
        name: 'RangeError',
        message: /^spec\.rollback\.retainOriginalFor ".*" must be a duration such as 24h, 90m or 1h30m/,
      });
    });
  }

  it('accepts what the schema accepts, refuses what it refuses', () => {
    for (const value of ['24h', '1h30m', '1.5h', '250ms', '1d', '24', '-1h']) {
      const schemaOk = RollbackSchema.safeParse({ retainOriginalFor: value }).success;
      let parserOk = true;
      try {
        parseDuration(value);
      } catch {
        parserOk = false;
      }
      assert.equal(parserOk, schemaOk, value);
    }
  });
});
