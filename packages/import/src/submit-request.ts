import {
  badRequest,
  type FhirVersion,
  type NamedElement,
  type NamedElements,
  notSupported,
  OperationOutcomeError,
  outcome,
  parametersOf,
} from '@fhir-bulk/fhir';
import { isNdjson, otherFhirVersion } from './kickoff';

/**
 * `$bulk-submit` and `$bulk-submit-status` requests (Bulk Data IG 4.0.0-ballot, submit.html and the two
 * OperationDefinitions), validated. Errors are 400s naming the parameter at fault.
 */

/** The IG binds `submissionStatus` to these codes of http://hl7.org/fhir/event-status (required binding). */
export const SUBMISSION_STATUS_SYSTEM = 'http://hl7.org/fhir/event-status';
export const SUBMISSION_STATUSES = ['in-progress', 'completed', 'stopped'] as const;
export type SubmissionStatus = (typeof SUBMISSION_STATUSES)[number];

/** Who submits: a system and value the Data Consumer coordinated with the Data Provider. */
export interface Submitter {
  system: string;
  value: string;
}

/** A submission is named by its submitter and an id unique for that submitter. */
export interface SubmissionKey {
  submitter: Submitter;
  submissionId: string;
}

export interface BulkSubmitRequest extends SubmissionKey {
  /** `in-progress` when the parameter is omitted. */
  submissionStatus: SubmissionStatus;
  manifestUrl?: string;
  /** Base for relative references in the submitted resources (required with `manifestUrl`); kept, not applied. */
  fhirBaseUrl?: string;
  replacesManifestUrl?: string;
}

const URL_TYPES = ['valueUrl', 'valueUri', 'valueString'];
const STRING = ['valueString'];

/**
 * Parameters this server does not honour: each would change how files are fetched (tokens, headers, decryption)
 * or processed (IG-defined import options), so the request is refused rather than half-done.
 */
const UNSUPPORTED = ['oauthMetadataUrl', 'fileRequestHeader', 'fileEncryptionKey', 'import'];

export function parseBulkSubmit(body: unknown, fhirVersion: FhirVersion): BulkSubmitRequest {
  const parameters = parametersOf(body, 'a $bulk-submit request');
  const key = parseSubmissionKey(parameters);
  const status = parameters.one('submissionStatus');
  const manifestUrl = absoluteUrl(parameters.one('manifestUrl'));
  const fhirBaseUrl = absoluteUrl(parameters.one('fhirBaseUrl'));
  const replacesManifestUrl = absoluteUrl(parameters.one('replacesManifestUrl'));
  checkOutputFormat(parameters.one('outputFormat'), fhirVersion);
  for (const name of UNSUPPORTED) {
    const [given] = parameters.all(name);
    if (given) throw notSupported(`${name} is not supported by this server's $bulk-submit`, name);
  }
  // Pre-coordinated information for the Data Consumer; none is defined for this server, so it is read and kept out.
  parameters.all('metadata').forEach((metadata) => metadata.parts());
  parameters.refuseRemaining('$bulk-submit');
  if (!status && !manifestUrl) {
    throw required('manifestUrl', 'At least one of submissionStatus and manifestUrl is required');
  }
  if (manifestUrl && !fhirBaseUrl) throw required('fhirBaseUrl', 'fhirBaseUrl is required with manifestUrl');
  return {
    ...key,
    submissionStatus: status ? parseStatus(status) : 'in-progress',
    ...(manifestUrl ? { manifestUrl } : {}),
    ...(fhirBaseUrl ? { fhirBaseUrl } : {}),
    ...(replacesManifestUrl ? { replacesManifestUrl } : {}),
  };
}

/** `$bulk-submit-status`: the submission to report on, and `_outputFormat` (NDJSON is the only one). */
export function parseBulkSubmitStatus(body: unknown, fhirVersion: FhirVersion): SubmissionKey {
  const parameters = parametersOf(body, 'a $bulk-submit-status request');
  const key = parseSubmissionKey(parameters);
  checkOutputFormat(parameters.one('_outputFormat'), fhirVersion);
  parameters.refuseRemaining('$bulk-submit-status');
  return key;
}

function parseSubmissionKey(parameters: NamedElements): SubmissionKey {
  const submitter = parameters.one('submitter');
  if (!submitter) throw required('submitter');
  const identifier = submitter.complexValue('valueIdentifier');
  const system = identifier.system;
  const value = identifier.value;
  if (typeof system !== 'string' || system.trim() === '' || typeof value !== 'string' || value.trim() === '') {
    throw badRequest('submitter must be an Identifier with a system and a value', 'submitter');
  }
  const submissionId = parameters.one('submissionId')?.value(STRING);
  if (submissionId === undefined) throw required('submissionId');
  return { submitter: { system: system.trim(), value: value.trim() }, submissionId };
}

function parseStatus(parameter: NamedElement): SubmissionStatus {
  const coding = parameter.complexValue('valueCoding');
  if (coding.system !== undefined && coding.system !== SUBMISSION_STATUS_SYSTEM) {
    throw badRequest(`submissionStatus must be a code of ${SUBMISSION_STATUS_SYSTEM}`, parameter.at);
  }
  const known = SUBMISSION_STATUSES.find((status) => status === coding.code);
  if (known) return known;
  const codes = SUBMISSION_STATUSES.join(', ');
  throw badRequest(`submissionStatus ${String(coding.code)} is not one of ${codes}`, parameter.at);
}

function absoluteUrl(parameter: NamedElement | undefined): string | undefined {
  if (!parameter) return undefined;
  const url = parameter.value(URL_TYPES);
  if (!URL.canParse(url)) throw badRequest(`${parameter.at} ${url} is not an absolute URL`, parameter.at);
  return url;
}

/** NDJSON in any of its spellings, optionally with a `fhirVersion` MIME parameter naming the tenant's version. */
function checkOutputFormat(parameter: NamedElement | undefined, fhirVersion: FhirVersion): void {
  if (!parameter) return;
  const format = parameter.value(STRING);
  if (!isNdjson(format) || otherFhirVersion(format, fhirVersion) !== undefined)
    throw notSupported(`${parameter.at} ${format} is not supported; use ndjson`, parameter.at);
}

const required = (at: string, message = `${at} is required`) =>
  new OperationOutcomeError(400, outcome('error', 'required', message, at));
