import {
  type ExportLevel,
  type ExportView,
  patientExportTypes,
  VIEW_OUTPUT_NAME,
  type ViewRequest,
} from '@fhir-bulk/export';
import {
  type FhirVersion,
  fhirRelease,
  type IssueCode,
  type OperationOutcome,
  OperationOutcomeError,
} from '@fhir-bulk/fhir';
import type { ResourceStore } from '@fhir-bulk/store';
import { compileView, ViewDefinitionError } from '@fhir-bulk/view-definition';
import { VIEW_DEFINITION } from './view-storage';

interface Problem {
  code: IssueCode;
  message: string;
  at: string;
}

export interface ResolvedViews {
  views: ExportView[];
  /** The views' resource types, in first-seen order: what the export reads. */
  types: string[];
}

/**
 * Reads and checks every requested view before any job starts, so a client learns of all its mistakes at once
 * (SQL on FHIR: "servers SHOULD validate all of them before starting the export"): unknown or deleted
 * ViewDefinitions, invalid ones, bad or clashing output names, and views whose type this export cannot read.
 * `explicitTypes`: the `_type` the client gave, which must then name exactly the views' types.
 * Throws one OperationOutcome with an issue per problem; `statusOf` picks its HTTP status.
 */
export async function resolveViews(
  store: ResourceStore,
  tenant: string,
  requests: readonly ViewRequest[],
  {
    level,
    fhirVersion,
    explicitTypes,
    statusOf,
  }: { level: ExportLevel; fhirVersion: FhirVersion; explicitTypes: readonly string[]; statusOf: StatusOf },
): Promise<ResolvedViews> {
  const compartment = patientExportTypes(fhirVersion);
  const problems: Problem[] = [];
  const definitions = await Promise.all(requests.map((request) => definitionOf(store, tenant, request, problems)));
  const used = new Set(['OperationOutcome']); // the error file's stem
  const views: ExportView[] = [];
  requests.forEach((request, i) => {
    const definition = definitions[i];
    if (!definition) return;
    let type: string;
    try {
      type = compileView(definition, { fhirRelease: fhirRelease(fhirVersion) }).resourceType;
    } catch (error) {
      if (!(error instanceof ViewDefinitionError)) throw error;
      for (const p of error.problems)
        problems.push({ code: 'invalid', message: `${p.path}: ${p.message}`, at: request.at });
      return;
    }
    if (level !== 'system' && !compartment.includes(type)) {
      const message = `a ${level}-level export reads the Patient compartment, which holds no ${type}`;
      problems.push({ code: 'not-supported', message: `${describe(request)}: ${message}`, at: request.at });
      return;
    }
    const name = outputName(request, definition, type, used, problems);
    if (name) views.push({ name, type, definition });
  });
  const types = [...new Set(views.map((v) => v.type))];
  if (explicitTypes.length > 0) {
    const missing = explicitTypes.filter((t) => !types.includes(t));
    const extra = types.filter((t) => !explicitTypes.includes(t));
    if (missing.length > 0 || extra.length > 0) {
      const message =
        `_type must name exactly the views' types (${types.join(', ')})` +
        (missing.length > 0 ? `; no view reads ${missing.join(', ')}` : '') +
        (extra.length > 0 ? `; _type leaves out ${extra.join(', ')}` : '');
      problems.push({ code: 'invalid', message, at: '_type' });
    }
  }
  if (problems.length > 0) throw viewsOutcome(problems, statusOf);
  return { views, types };
}

/** The HTTP status for a set of problems: `$export` answers 400 for any; `$viewdefinition-export` follows its spec. */
export type StatusOf = (codes: readonly IssueCode[]) => number;

async function definitionOf(
  store: ResourceStore,
  tenant: string,
  request: ViewRequest,
  problems: Problem[],
): Promise<Record<string, unknown> | undefined> {
  if (request.resource) return request.resource;
  const doc = await store.read(tenant, VIEW_DEFINITION, request.id ?? '');
  if (doc && !doc.deleted) return doc.resource as Record<string, unknown>;
  problems.push({ code: 'not-found', message: `ViewDefinition/${request.id} is not known`, at: request.at });
  return undefined;
}

/**
 * The name asked for (checked strictly: the client chose it), else the view's `name` made into a table name
 * (SQL on FHIR suggests but does not require one), else `{type}_view`; a clash gets `_2`, `_3`… appended.
 */
function outputName(
  request: ViewRequest,
  definition: Record<string, unknown>,
  type: string,
  used: Set<string>,
  problems: Problem[],
): string | undefined {
  if (request.name !== undefined) {
    if (!VIEW_OUTPUT_NAME.test(request.name) || used.has(request.name)) {
      const why = used.has(request.name) ? 'is used twice' : 'must be a letter then letters, digits or _ (≤ 64)';
      problems.push({ code: 'invalid', message: `output name "${request.name}" ${why}`, at: request.at });
      return undefined;
    }
    used.add(request.name);
    return request.name;
  }
  const base = tableName(typeof definition.name === 'string' ? definition.name : '') ?? `${type.toLowerCase()}_view`;
  let name = base;
  for (let n = 2; used.has(name); n++) name = `${base.slice(0, 60)}_${n}`;
  used.add(name);
  return name;
}

function tableName(text: string): string | undefined {
  const cleaned = text
    .replace(/[^A-Za-z0-9_]/g, '_')
    .replace(/^[^A-Za-z]+/, '')
    .slice(0, 64);
  return VIEW_OUTPUT_NAME.test(cleaned) ? cleaned : undefined;
}

const describe = (request: ViewRequest) => (request.id ? `ViewDefinition/${request.id}` : 'the inline view');

function viewsOutcome(problems: readonly Problem[], statusOf: StatusOf): OperationOutcomeError {
  const body: OperationOutcome = {
    resourceType: 'OperationOutcome',
    issue: problems.map((p) => ({ severity: 'error', code: p.code, diagnostics: p.message, expression: [p.at] })),
  };
  return new OperationOutcomeError(statusOf(problems.map((p) => p.code)), body);
}
