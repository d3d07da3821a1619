import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { imageTag } from '../../../src/kubevirt/image-tag.ts';

describe('imageTag', () => {
  const cases: [string, string | undefined][] = [
    ['registry.example.com/shop/db:16.2.0', '16.2.0'],
    ['registry.example.com:5000/shop/db:16.2.0', '16.2.0'],
    ['registry.example.com:5000/shop/db', undefined],
    ['db:1.0.0@sha256:abcdef', '1.0.0'],
    ['docker://quay.io/containerdisks/fedora:41', '41'],
    ['quay.io/containerdisks/fedora', undefined],
  ];
  for (const [reference, tag] of cases) {
    it(`reads ${String(tag)} from ${reference}`, () => assert.equal(imageTag(reference), tag));
  }
});
