import { badRequest, isResourceType, notSupported, preferHas } from '@fhir-bulk/fhir';
import { type ExportLevel, type ExportRequest, NDJSON } from './export-job';

/** Every spelling of NDJSON the Bulk Data IG lets a client send in `_outputFormat`. */
const NDJSON_ALIASES = new Set([NDJSON, 'application/ndjson', 'ndjson']);

/** Parameters this build understands; anything else is rejected rather than silently ignored. */
const KNOWN = new Set(['_type', '_outputFormat']);

/** The types a system-level export covers when `_type` is absent. */
export const DEFAULT_EXPORT_TYPES = ['Patient'];

export interface KickoffInput {
  level: ExportLevel;
  query: Record<string, unknown>;
  prefer: string | undefined;
  requestUrl: string;
}

/** Validates a kick-off request; throws a 400 OperationOutcomeError naming the parameter at fault. */
export function parseKickoff({ level, query, prefer, requestUrl }: KickoffInput): ExportRequest {
  if (!preferHas(prefer, 'respond-async')) {
    throw badRequest('The Prefer header must include respond-async for a bulk export kick-off', 'Prefer');
  }
  for (const name of Object.keys(query)) {
    if (!KNOWN.has(name)) throw notSupported(`Parameter ${name} is not supported by this server`, name);
  }
  return { level, types: parseTypes(query._type), outputFormat: parseOutputFormat(query._outputFormat), requestUrl };
}

function single(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.map((v) => single(v, name)).join(',');
  if (typeof value !== 'string') throw badRequest(`${name} must be a string`, name);
  return value;
}

function parseTypes(value: unknown): string[] {
  const raw = single(value, '_type');
  if (raw === undefined) return DEFAULT_EXPORT_TYPES;
  const types = [
    ...new Set(
      raw
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
  if (types.length === 0) throw badRequest('_type must name at least one resource type', '_type');
  const unknown = types.filter((t) => !isResourceType(t));
  if (unknown.length > 0) throw badRequest(`_type names unknown resource types: ${unknown.join(', ')}`, '_type');
  return types;
}

function parseOutputFormat(value: unknown): typeof NDJSON {
  const raw = single(value, '_outputFormat');
  if (raw === undefined || NDJSON_ALIASES.has(raw)) return NDJSON;
  throw notSupported(`_outputFormat ${raw} is not supported; use ${NDJSON}`, '_outputFormat');
}
