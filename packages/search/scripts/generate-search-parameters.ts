/**
 * Writes src/generated/search-parameters-<version>.json for every FHIR version this server speaks, from its official
 * definitions (packages/fhir/scripts/fhir-definitions.ts): the SearchParameters, the Patient CompartmentDefinition,
 * and the resource StructureDefinitions (only to expand choice elements such as `Observation.effective` into
 * `effectiveDateTime`, `effectivePeriod`, ...).
 *
 * The output is checked in, so the server never loads the definition packages at runtime (nor this script's inputs).
 * Run from the repository root: npx tsx packages/search/scripts/generate-search-parameters.ts
 */
import { join } from 'node:path';
import { writeGeneratedJson } from '../../fhir/scripts/generated-json';
import { FHIR_VERSIONS } from '../../fhir/src/fhir-versions';
import {
  fhirDefinitions,
  type FhirDefinitions,
  type SearchParameterDefinition as SearchParameter,
} from '../../fhir/scripts/fhir-definitions';

/** The parameters this server supports; `_id` and `_lastUpdated` are translated specially and not tabulated. */
const SUPPORTED = [
  'identifier',
  'code',
  'category',
  'status',
  'active',
  'gender',
  'subject',
  'patient',
  'encounter',
  'date',
  'birthdate',
  'name',
  'family',
  'given',
  'authored',
  'onset-date',
  'clinical-status',
  'intent',
  'class',
  'type',
  'member',
  // The audit trail's (AuditEvent; agent and entity also serve Provenance, outcome and action a few other types).
  'agent',
  'entity',
  'subtype',
  'outcome',
  'action',
];

type ParamType = 'token' | 'reference' | 'date' | 'string';

/** Element types a parameter of each kind can index; other choices (e.g. `occurrenceString` for a date) are dropped. */
const COMPATIBLE: Record<ParamType, string[]> = {
  token: ['code', 'Coding', 'CodeableConcept', 'Identifier', 'boolean', 'string', 'uri', 'id', 'ContactPoint'],
  reference: ['Reference', 'canonical', 'uri'],
  date: ['date', 'dateTime', 'instant', 'Period', 'Timing'],
  string: ['string', 'markdown', 'HumanName', 'Address'],
};

interface ParsedPath {
  path: string;
  target?: string;
}
interface ParamDef {
  type: ParamType;
  paths: string[];
  targets?: string[];
  /** The SearchParameter's canonical URL, which the CapabilityStatement names as the parameter's definition. */
  url?: string;
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

interface SearchTables {
  params: Record<string, Record<string, ParamDef>>;
  patientCompartment: Record<string, { params: string[]; paths: string[] }>;
  warnings: string[];
}

/**
 * The compartment's own resource, in R5's CompartmentDefinition (`Patient` has `{def}`: a Patient is in its own
 * compartment), which compartmentsOf handles itself; R4 does not list it.
 */
const COMPARTMENT_ITSELF = '{def}';

function tablesFor(definitions: FhirDefinitions): SearchTables {
  const warnings: string[] = [];

  /** `Type.path` -> element type codes, from the resource snapshots; used to expand `[x]` choice elements. */
  const elementTypes = new Map<string, string[]>();
  for (const resource of definitions.resourceStructures()) {
    for (const element of resource.snapshot?.element ?? [])
      elementTypes.set(
        element.path,
        (element.type ?? []).map((t) => t.code),
      );
  }

  /**
   * One `|`-separated part of an expression, for one resource type, as a simplified path; undefined when the part
   * belongs to another type or uses FHIRPath this layer cannot index (reported as a warning).
   */
  function parsePart(type: string, part: string): ParsedPath | undefined {
    let text = part.trim();
    const cast = /^\((.+) as (\w+)\)$/.exec(text); // (Observation.effective as dateTime)
    if (cast) text = `${cast[1]}.ofType(${cast[2]})`;
    if (!text.startsWith(`${type}.`)) return undefined;
    text = text.slice(type.length + 1).replace(/\.as\((\w+)\)/g, '.ofType($1)'); // Condition.onset.as(Period)
    let target: string | undefined;
    const where = /\.where\(resolve\(\) is (\w+)\)$/.exec(text);
    if (where) {
      target = where[1];
      text = text.slice(0, where.index);
    }
    text = text.replace(/\.ofType\((\w+)\)/g, (_m, t: string) => capitalize(t)); // effective.ofType(Period)
    if (!/^[A-Za-z]+(\.[A-Za-z]+)*$/.test(text)) {
      warnings.push(`${type}: cannot index "${part.trim()}"`);
      return undefined;
    }
    return { path: text, ...(target ? { target } : {}) };
  }

  /** Expands choice elements along a path: `effective` -> `effectiveDateTime`, `effectivePeriod`, ... */
  function expandChoices(type: string, path: string, paramType: ParamType): string[] {
    const segments = path.split('.');
    let results = [''];
    let elementPath = type;
    for (const [i, segment] of segments.entries()) {
      const last = i === segments.length - 1;
      const choices = elementTypes.get(`${elementPath}.${segment}[x]`);
      const append = (prefix: string, s: string) => (prefix ? `${prefix}.${s}` : s);
      if (choices && last) {
        const usable = choices.filter((c) => COMPATIBLE[paramType].includes(c));
        results = results.flatMap((prefix) => usable.map((c) => append(prefix, segment + capitalize(c))));
      } else {
        if (choices) warnings.push(`${type}.${path}: choice element in the middle of a path is not expanded`);
        results = results.map((prefix) => append(prefix, segment));
      }
      elementPath = `${elementPath}.${segment}`;
    }
    return results;
  }

  function definitionFor(type: string, sp: SearchParameter): ParamDef | undefined {
    const parts = (sp.expression ?? '')
      .split('|')
      .map((p) => parsePart(type, p))
      .filter((p): p is ParsedPath => p !== undefined);
    if (parts.length === 0) return undefined;
    const paramType = sp.type as ParamType;
    const paths = [...new Set(parts.flatMap((p) => expandChoices(type, p.path, paramType)))];
    const targets = [...new Set(parts.map((p) => p.target).filter((t): t is string => t !== undefined))];
    // A target restriction applies to the whole parameter, so every part must carry the same one.
    if (targets.length > 0 && (targets.length > 1 || parts.some((p) => !p.target))) {
      warnings.push(`${type}.${sp.code}: mixed target restrictions, kept unrestricted`);
      return { type: paramType, paths };
    }
    return { type: paramType, paths, ...(targets.length ? { targets } : {}) };
  }

  /** type -> code -> SearchParameter, over every parameter (the compartment needs some outside SUPPORTED). */
  const byType = new Map<string, Map<string, SearchParameter>>();
  for (const sp of definitions.searchParameters()) {
    for (const base of sp.base) {
      const codes = byType.get(base) ?? new Map<string, SearchParameter>();
      codes.set(sp.code, sp);
      byType.set(base, codes);
    }
  }

  const params: Record<string, Record<string, ParamDef>> = {};
  for (const type of [...byType.keys()].sort()) {
    const defs: Record<string, ParamDef> = {};
    for (const code of SUPPORTED) {
      const sp = byType.get(type)?.get(code);
      if (!sp || !['token', 'reference', 'date', 'string'].includes(sp.type)) continue;
      const def = definitionFor(type, sp);
      if (def && def.paths.length > 0) defs[code] = { ...def, url: sp.url };
    }
    if (Object.keys(defs).length > 0) params[type] = defs;
  }

  /** type -> the compartment params and the union of their paths (only Patient references count at runtime). */
  const patientCompartment: Record<string, { params: string[]; paths: string[] }> = {};
  for (const { code: type, param: listed } of definitions.patientCompartment().resource) {
    const param = (listed ?? []).filter((code) => code !== COMPARTMENT_ITSELF);
    if (!param.length) continue;
    const paths = new Set<string>();
    for (const code of param) {
      const sp = byType.get(type)?.get(code);
      const def = sp && definitionFor(type, sp);
      if (def) def.paths.forEach((p) => paths.add(p));
      else warnings.push(`compartment ${type}.${code}: no usable search parameter`);
    }
    patientCompartment[type] = { params: param, paths: [...paths] };
  }
  return { params, patientCompartment, warnings };
}

async function main(): Promise<void> {
  for (const version of FHIR_VERSIONS) {
    const definitions = fhirDefinitions(version);
    const { params, patientCompartment, warnings } = tablesFor(definitions);
    const out = join(__dirname, '..', 'src', 'generated', `search-parameters-${version}.json`);
    const text = await writeGeneratedJson(out, { source: definitions.source, params, patientCompartment });

    const count = Object.values(params).reduce((n, defs) => n + Object.keys(defs).length, 0);
    console.log(`${out}: ${Object.keys(params).length} types, ${count} params, ${text.length} bytes`);
    for (const warning of warnings) console.warn(`warning (${version}): ${warning}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
