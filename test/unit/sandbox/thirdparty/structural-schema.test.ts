import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { structuralSchema } from '../../../../src/sandbox/thirdparty/structural-schema.ts';

describe('structuralSchema', () => {
  it('inlines references and drops descriptions and defaults', () => {
    const schema = structuralSchema(
      {
        Root: {
          type: 'object',
          description: 'root',
          properties: { child: { $ref: '#/definitions/Child', default: {} } },
        },
        Child: { type: 'object', required: ['name'], properties: { name: { type: 'string', description: 'n' } } },
      },
      'Root',
    );
    assert.deepEqual(schema, {
      type: 'object',
      properties: { child: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } },
    });
  });

  it('turns quantities and int-or-string into the structural int-or-string form', () => {
    const expected = { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] };
    assert.deepEqual(structuralSchema({ Q: { type: ['string', 'integer', 'number'] } }, 'Q'), expected);
    assert.deepEqual(structuralSchema({ I: { type: 'string', format: 'int-or-string' } }, 'I'), expected);
  });

  it('types nullable scalars and free-form objects', () => {
    assert.deepEqual(structuralSchema({ T: { type: ['string', 'null'], format: 'date-time' } }, 'T'), {
      type: 'string',
      format: 'date-time',
      nullable: true,
    });
    assert.deepEqual(structuralSchema({ Raw: { type: 'object' } }, 'Raw'), {
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    });
  });

  it('keeps maps and cuts recursion with a free-form object', () => {
    const schema = structuralSchema(
      {
        Node: {
          type: 'object',
          properties: {
            next: { $ref: '#/definitions/Node' },
            labels: { type: 'object', additionalProperties: { type: 'string' } },
          },
        },
      },
      'Node',
    );
    assert.deepEqual(schema, {
      type: 'object',
      properties: {
        next: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
      },
    });
  });

  it('fails clearly on a dangling reference', () => {
    assert.throws(
      () => structuralSchema({ A: { $ref: '#/definitions/Missing' } }, 'A'),
      /#\/definitions\/Missing not found/,
    );
  });
});
