/**
 * Writes src/generated/resource-types.json: the concrete resource types of every FHIR version this server speaks,
 * from the official StructureDefinitions (scripts/fhir-definitions.ts). Checked in; run time reads only the table.
 * Run from the repository root: npx tsx packages/fhir/scripts/generate-resource-types.ts
 */
import { join } from 'node:path';
import { FHIR_VERSIONS, type FhirVersion } from '../src/fhir-versions';
import { fhirDefinitions } from './fhir-definitions';
import { writeGeneratedJson } from './generated-json';

async function main(): Promise<void> {
  const sources: Record<string, string> = {};
  const types: Record<string, string[]> = {};
  for (const version of FHIR_VERSIONS) {
    const definitions = fhirDefinitions(version);
    sources[version] = definitions.source;
    types[version] = concreteTypes(version);
  }
  const out = join(__dirname, '..', 'src', 'generated', 'resource-types.json');
  await writeGeneratedJson(out, { sources, types });
  console.log(`${out}: ${FHIR_VERSIONS.map((v) => `${v} ${types[v]?.length} types`).join(', ')}`);
}

/** Resources a server can hold: the specialisations that are not abstract (Resource, DomainResource, R5's CanonicalResource… are). */
function concreteTypes(version: FhirVersion): string[] {
  return fhirDefinitions(version)
    .resourceStructures()
    .filter((sd) => !sd.abstract && sd.derivation !== 'constraint')
    .map((sd) => sd.type)
    .sort();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
