import { DEFAULT_IMPORT_MODE, IMPORT_INPUT_FORMATS, IMPORT_MODES, MAX_IMPORT_INPUTS } from './kickoff';

/** One `OperationDefinition.parameter`: a value of `type`, or `part`s. */
export interface OperationParameter {
  name: string;
  use: 'in' | 'out';
  min: number;
  max: string;
  documentation?: string;
  type?: string;
  part?: OperationParameter[];
}

const input = (name: string, min: 0 | 1, type: string, documentation?: string): OperationParameter => ({
  name,
  use: 'in',
  min,
  max: '1',
  type,
  ...(documentation ? { documentation } : {}),
});

/**
 * `$import` as parseImportKickoff (kickoff.ts) takes it: every parameter it reads, with the cardinality and values it
 * checks; it refuses any other. The Bulk Data $import draft has no published OperationDefinition, so this server
 * publishes its own at `url` (`[base]/OperationDefinition/import`).
 */
export function importOperationDefinition(url: string) {
  return {
    resourceType: 'OperationDefinition',
    id: 'import',
    url,
    name: 'Import',
    title: 'Bulk Data $import (draft)',
    status: 'active',
    kind: 'operation',
    description:
      'Loads NDJSON files into the tenant of [base] asynchronously: POST [base]/$import with a Parameters body and ' +
      '`Prefer: respond-async`; 202 with Content-Location [base]/_import/{id} to poll (200 with the result when done) ' +
      'or DELETE to cancel.',
    affectsState: true,
    code: 'import',
    system: true,
    type: false,
    instance: false,
    parameter: [
      input('inputFormat', 1, 'code', `Only NDJSON: ${[...IMPORT_INPUT_FORMATS].join(', ')}`),
      input('inputSource', 0, 'uri', 'The system the files come from; kept with the job'),
      input(
        'storageDetail',
        0,
        'code',
        'The storage kind, as a value or (as the Microsoft FHIR server sends it) a part named type; kept with the job',
      ),
      input('mode', 0, 'code', `${IMPORT_MODES.join(' or ')} (default ${DEFAULT_IMPORT_MODE})`),
      {
        name: 'input',
        use: 'in',
        min: 1,
        max: String(MAX_IMPORT_INPUTS),
        documentation: 'One NDJSON file: s3://{bucket}/{tenant}/{key} in an allowed bucket, or an allowed http(s) URL',
        part: [
          input('type', 1, 'code', 'The R4 resource type of every line'),
          input('url', 1, 'uri'),
          input('etag', 0, 'string', 'The object must still have this ETag'),
        ],
      },
    ] satisfies OperationParameter[],
  };
}
