/**
 * Compiled resource validators kept on disk as ajv standalone code. Compiling a FHIR schema takes 3-7 s on a
 * small machine (every resource definition, through `contained`); loading the same validators as generated code
 * takes about 0.6 s. That is start-up time of every API and worker process, and a worker started to replace a dead
 * one holds the dead one's import files for all of it.
 *
 * The file is named by a hash of everything the code is generated from (the adapted schema, the ajv version and
 * options), so a changed schema or ajv never loads old code: it compiles and writes a file of its own.
 */
import type Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import standaloneCode from 'ajv/dist/standalone';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export type Validators = Map<string, ValidateFunction>;

/** Where the code goes: beside the locally built servers (~/.cache/fhir-bulk), or FHIR_BULK_VALIDATOR_CACHE. */
const cacheDir = () => process.env.FHIR_BULK_VALIDATOR_CACHE ?? join(homedir(), '.cache', 'fhir-bulk', 'validators');

/** The cache key: a hash of the generated code's inputs. */
export function validatorCacheKey(inputs: readonly unknown[]): string {
  const hash = createHash('sha256');
  for (const input of inputs) hash.update(JSON.stringify(input)).update('\0');
  return hash.digest('hex').slice(0, 32);
}

/** The cached validators for `key`, or undefined when there are none (or they cannot be read). */
export function readCachedValidators(key: string): Validators | undefined {
  let code: string;
  try {
    code = readFileSync(fileOf(key), 'utf8');
  } catch {
    return undefined;
  }
  // Standalone code is a CommonJS module whose only requires are ajv's runtime helpers, resolved from here (the
  // ajv this package depends on), not from the cache directory.
  const module = { exports: {} as Record<string, ValidateFunction> };
  new Function('module', 'exports', 'require', code)(module, module.exports, require);
  return new Map(Object.entries(module.exports));
}

/**
 * Compiles a validator for each of `refs` (type → schema reference) with `ajv` (made with `code.source`) and
 * writes their standalone code for the next process. A cache that cannot be written only costs the next start time.
 */
export function compileAndCacheValidators(ajv: Ajv, refs: Record<string, string>, key: string): Validators {
  const validators: Validators = new Map();
  // The functions the code is generated from (getSchema, not a compiled `{$ref}` wrapper, whose errors would carry
  // other schema paths), so this process and the next report the very same errors.
  for (const [type, ref] of Object.entries(refs)) {
    const validate = ajv.getSchema(ref);
    if (!validate) throw new Error(`no schema at ${ref}`);
    validators.set(type, validate);
  }
  try {
    mkdirSync(cacheDir(), { recursive: true });
    // Written aside and renamed: processes starting together each read a whole file or none.
    const partial = `${fileOf(key)}.${process.pid}.partial`;
    writeFileSync(partial, standaloneCode(ajv, refs));
    renameSync(partial, fileOf(key));
  } catch {
    // Read-only or full disk: validation is unaffected.
  }
  return validators;
}

const fileOf = (key: string) => join(cacheDir(), `fhir-${key}.cjs`);
