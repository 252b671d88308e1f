/**
 * Writes src/generated/required-elements-<version>.json for every FHIR version this server speaks: for every resource
 * type, the top-level elements whose StructureDefinition says min >= 1 (e.g. Observation.status, Observation.code).
 * The JSON schema cannot say this for primitives (a primitive may be given as `_status` with only extensions), so the
 * validator checks the table itself.
 *
 * Source: each version's official StructureDefinitions (packages/fhir/scripts/fhir-definitions.ts). The output is
 * checked in, so the server never loads those packages at runtime.
 * Run from the repository root: npx tsx packages/validation/scripts/generate-required-elements.ts
 */
import { join } from 'node:path';
import { writeGeneratedJson } from '../../fhir/scripts/generated-json';
import { FHIR_VERSIONS, isResourceTypeOf, type FhirVersion } from '../../fhir/src/fhir-versions';
import { fhirDefinitions } from '../../fhir/scripts/fhir-definitions';

interface RequiredElement {
  name: string;
  oneOf?: string[];
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function requiredElements(version: FhirVersion): Record<string, RequiredElement[]> {
  const elements: Record<string, RequiredElement[]> = {};
  for (const sd of fhirDefinitions(version).resourceStructures()) {
    if (sd.abstract || !isResourceTypeOf(version, sd.type)) continue;
    const required: RequiredElement[] = [];
    for (const element of sd.snapshot?.element ?? []) {
      const parts = element.path.split('.');
      if (parts.length !== 2 || (element.min ?? 0) < 1) continue;
      const name = parts[1] ?? '';
      if (name.endsWith('[x]')) {
        // value[x] min 1 means "exactly one of valueQuantity, valueString, ...".
        const base = name.slice(0, -3);
        required.push({ name, oneOf: (element.type ?? []).map((t) => base + capitalize(t.code)) });
      } else {
        required.push({ name });
      }
    }
    if (required.length > 0) elements[sd.type] = required;
  }
  return Object.fromEntries(Object.entries(elements).sort(([a], [b]) => a.localeCompare(b)));
}

async function main(): Promise<void> {
  for (const version of FHIR_VERSIONS) {
    const elements = requiredElements(version);
    const source = `${fhirDefinitions(version).source}, resource StructureDefinitions, elements with min >= 1`;
    const out = join(__dirname, '..', 'src', 'generated', `required-elements-${version}.json`);
    const text = await writeGeneratedJson(out, { source, elements });
    const count = Object.values(elements).reduce((n, list) => n + list.length, 0);
    console.log(`${out}: ${Object.keys(elements).length} types, ${count} required elements, ${text.length} bytes`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
