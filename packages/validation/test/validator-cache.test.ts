import Ajv from 'ajv';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileAndCacheValidators, readCachedValidators, validatorCacheKey } from '../src/validator-cache';

const schema = {
  $id: 'http://example.org/test',
  definitions: {
    Thing: {
      type: 'object',
      required: ['resourceType'],
      properties: { resourceType: { const: 'Thing' }, size: { type: 'integer', minimum: 0 } },
      additionalProperties: false,
    },
  },
};
const refs = { Thing: 'http://example.org/test#/definitions/Thing' };
const samples = [{ resourceType: 'Thing', size: 1 }, { resourceType: 'Thing', size: -1.5, extra: true }, {}];

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'validator-cache-'));
  process.env.FHIR_BULK_VALIDATOR_CACHE = dir;
});
afterEach(() => {
  delete process.env.FHIR_BULK_VALIDATOR_CACHE;
  rmSync(dir, { recursive: true, force: true });
});

function compile(key: string) {
  const ajv = new Ajv({ allErrors: true, code: { source: true } });
  ajv.addSchema(schema);
  return compileAndCacheValidators(ajv, refs, key);
}

describe('validator cache', () => {
  it('gives a later process validators that answer exactly as the compiled ones', () => {
    const key = validatorCacheKey([schema, 'options']);
    const compiled = compile(key).get('Thing')!;
    expect(readdirSync(dir)).toEqual([`fhir-${key}.cjs`]);
    const cached = readCachedValidators(key)!.get('Thing')!;
    for (const sample of samples) {
      expect(cached(sample)).toBe(compiled(sample));
      expect(cached.errors ?? null).toEqual(compiled.errors ?? null);
    }
    expect(cached(samples[1])).toBe(false);
    expect(cached.errors!.map((e) => e.keyword).sort()).toEqual(['additionalProperties', 'minimum', 'type']);
  });

  it('keys the code by its inputs: other inputs find nothing and compile their own', () => {
    const key = validatorCacheKey([schema, 'options']);
    compile(key);
    const changed = validatorCacheKey([{ ...schema, $comment: 'edited' }, 'options']);
    expect(changed).not.toBe(key);
    expect(readCachedValidators(changed)).toBeUndefined();
    expect(validatorCacheKey([schema, 'other options'])).not.toBe(key);
  });

  it('validates even where the cache cannot be written', () => {
    writeFileSync(join(dir, 'a-file'), '');
    process.env.FHIR_BULK_VALIDATOR_CACHE = join(dir, 'a-file', 'cache'); // a directory that cannot be made
    const validate = compile(validatorCacheKey([schema])).get('Thing')!;
    expect(validate(samples[0])).toBe(true);
    expect(validate(samples[2])).toBe(false);
  });
});
