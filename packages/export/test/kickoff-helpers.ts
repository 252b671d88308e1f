export { issueOf } from '@fhir-bulk/test-support/src/rejection';
import { requestParameters } from '@fhir-bulk/fhir';
import { type ExportRequest, type KickoffInput, kickoffParameters, parseKickoff } from '../src';

const defaults = {
  level: 'system',
  fhirVersion: '4.0.1',
  prefer: 'respond-async',
  requestUrl: 'http://x/$export',
} as const;

/** A GET kick-off with this query string (URL-encoded as a client would send it). */
export const get = (query: string, input: Partial<KickoffInput> = {}): ExportRequest =>
  parseKickoff({ ...defaults, parameters: kickoffParameters(requestParameters(query, undefined, '')), ...input });

/** A POST kick-off whose body holds these `Parameters.parameter` entries. */
export const post = (parameter: object[], input: Partial<KickoffInput> = {}): ExportRequest =>
  parseKickoff({ ...defaults, parameters: body({ resourceType: 'Parameters', parameter }), ...input });

/** The kick-off parameters of a POST with this body. */
export const body = (json: unknown) => kickoffParameters(requestParameters('', json, 'a POST kick-off'));

export const lenient = { prefer: 'respond-async, handling=lenient' };
