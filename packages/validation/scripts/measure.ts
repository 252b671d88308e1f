/**
 * Throughput of validateResource on generated resources, to see what validation costs an $import of millions of
 * resources. Prints figures; asserts nothing (timings vary by machine, so they do not belong in tests).
 * Run from the repository root: npx tsx packages/validation/scripts/measure.ts [count]
 */
import { performance } from 'node:perf_hooks';
import { validateResource, warmUpSchema } from '../src';

const count = Number(process.argv[2] ?? 100_000);
const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const pick = <T>(items: readonly T[], i: number): T => items[i % items.length] as T;

function makePatient(i: number): Record<string, unknown> {
  return {
    resourceType: 'Patient',
    id: `pat-${i}`,
    meta: { lastUpdated: '2024-03-01T12:00:00.000Z' },
    identifier: [{ system: 'http://hospital.example.org/mrn', value: String(1_000_000 + i) }],
    active: i % 10 !== 0,
    name: [
      { use: 'official', family: pick(['Smith', 'Jones', 'Garcia', 'Chen'], i), given: [pick(['Ann', 'Bo', 'Cy'], i)] },
    ],
    telecom: [{ system: 'phone', value: `555-01${pad(i % 100)}`, use: 'home' }],
    gender: pick(['male', 'female', 'other', 'unknown'], i),
    birthDate: `${1930 + (i % 90)}-${pad(1 + (i % 12))}-${pad(1 + (i % 28))}`,
    address: [{ line: [`${i} Main St`], city: 'Boston', state: 'MA', postalCode: '02101', country: 'US' }],
  };
}

function makeObservation(i: number): Record<string, unknown> {
  return {
    resourceType: 'Observation',
    id: `obs-${i}`,
    status: 'final',
    category: [
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] },
    ],
    code: { coding: [{ system: 'http://loinc.org', code: pick(['8867-4', '29463-7', '8310-5'], i) }] },
    subject: { reference: `Patient/pat-${i % 1000}` },
    effectiveDateTime: `2023-${pad(1 + (i % 12))}-${pad(1 + (i % 28))}T10:${pad(i % 60)}:00Z`,
    valueQuantity: { value: 40 + (i % 100) / 10, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
  };
}

function measure(label: string, resources: readonly unknown[]): void {
  let invalid = 0;
  const start = performance.now();
  for (const resource of resources) if (validateResource(resource).length > 0) invalid++;
  const seconds = (performance.now() - start) / 1000;
  const rate = Math.round(resources.length / seconds).toLocaleString('en-US');
  console.log(`${label}: ${resources.length} in ${seconds.toFixed(2)} s = ${rate} resources/s (${invalid} invalid)`);
}

const compileStart = performance.now();
warmUpSchema();
console.log(`first use (load + compile schema, Patient): ${Math.round(performance.now() - compileStart)} ms`);
const observationStart = performance.now();
validateResource(makeObservation(0));
console.log(`next type (compile Observation): ${Math.round(performance.now() - observationStart)} ms`);

// Through JSON, as an $import's NDJSON lines arrive: V8 gives parsed objects fast layouts, while objects built with
// spread plus new keys are slower to walk and made ajv look several times slower than it is on real input.
const generate = (make: (i: number) => unknown) =>
  Array.from({ length: count }, (_, i) => JSON.parse(JSON.stringify(make(i))) as unknown);
const patients = generate(makePatient);
const observations = generate(makeObservation);
// Invalid resources cost more (ajv error objects, mapping them to issues).
const broken = generate((i) => {
  const { status: _status, ...rest } = makeObservation(i);
  return { ...rest, effectiveDateTime: '2023-13-01', foo: i };
});

measure('Patient', patients);
measure('Observation', observations);
measure('invalid Observation (3 issues each)', broken);
