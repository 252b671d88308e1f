/**
 * The hostile-input corpus (issue 19): requests no client should send, each with what the server must answer.
 * Every answer must be below 500; a 4xx must be an OperationOutcome naming the problem, and must have written
 * nothing (hostile-input.int.test.ts checks all three, and that the server is healthy afterwards).
 *
 * Placeholders filled in by the suite: `{exportJob}` and `{importJob}` (real jobs of the suite's client, so file
 * and status paths reach their real checks), `{exportFile}` (a file of that export), `{bucket}` (the suite's import
 * bucket).
 */
export interface HostileCase {
  name: string;
  method: string;
  /** As sent on the wire, percent-encoding and all. */
  path: string;
  headers?: Record<string, string>;
  /** A string is sent as UTF-8; a Buffer as its bytes (invalid UTF-8, raw control bytes). */
  body?: string | Buffer;
  /** Status, or inclusive range; default: any 4xx. */
  expect?: number | [number, number];
  /**
   * The `Authorization` header instead of the suite client's real token (undefined): `null` sends none, a string
   * sends it as is. Such requests go out without the token client.
   */
  authorization?: string | null;
  /** Sent with node:http and the path exactly as written (`..` segments that fetch would resolve away). */
  raw?: boolean;
}

/** The suite's own tenant: every case that may write does so here, so its documents can be counted. */
export const TENANT = 'hostile';
const T = `/tenant/${TENANT}`;

const FHIR_JSON = { 'Content-Type': 'application/fhir+json' };
const ASYNC = { Prefer: 'respond-async' };

/**
 * `{"a":{"a":…1…}}` `levels` deep, built as text: JSON.stringify would recurse. The suite's body limit is 64 KiB, so
 * the deepest cases nest a few thousand levels (any depth beyond 100 is refused alike).
 */
const deepObject = (levels: number, key = 'a') => `${`{"${key}":`.repeat(levels)}1${'}'.repeat(levels)}`;
const deepArray = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
const patientWith = (fields: string) => `{"resourceType":"Patient",${fields}}`;
const BROKEN_PERCENT = '%E0%A4%A';
const LONG = 'x'.repeat(2000);

/** A Parameters body with these parameters (as JSON text), for the operation kick-offs. */
const parameters = (...params: string[]) => `{"resourceType":"Parameters","parameter":[${params.join(',')}]}`;
const importInput = (url: string, type = 'Patient') =>
  `{"name":"input","part":[{"name":"type","valueString":${JSON.stringify(type)}},{"name":"url","valueUri":${url}}]}`;
const importBody = (...inputs: string[]) =>
  parameters('{"name":"inputFormat","valueString":"application/fhir+ndjson"}', ...inputs);
/** An $import of one input whose URL is this JSON string literal (escapes included as written). */
const importOf = (urlLiteral: string, type?: string) => importBody(importInput(urlLiteral, type));
const bundle = (type: string, entries: string) => `{"resourceType":"Bundle","type":"${type}","entry":[${entries}]}`;
const basicEntry = (method: string, url: string, resource?: string) =>
  `{${resource ? `"resource":${resource},` : ''}"request":{"method":"${method}","url":"${url}"}}`;
const BASIC = '{"resourceType":"Basic","code":{"text":"hostile"}}';
/** A Basic with id `a`, for updates of `Basic/a`. */
const BASIC_A = '{"resourceType":"Basic","id":"a","code":{"text":"hostile"}}';
/** `text` as UTF-8 with `<BAD>` replaced by bytes that are no UTF-8 (a lone continuation byte, an overlong form). */
const badBytesAt = (text: string, bytes = [0x80, 0xc0, 0xaf]) => {
  const [before, after] = text.split('<BAD>');
  return Buffer.concat([Buffer.from(before!), Buffer.from(bytes), Buffer.from(after!)]);
};

const post = (name: string, path: string, body: string | Buffer, more: Partial<HostileCase> = {}): HostileCase => ({
  name,
  method: 'POST',
  path,
  headers: FHIR_JSON,
  body,
  ...more,
});
const put = (name: string, path: string, body: string, more: Partial<HostileCase> = {}): HostileCase => ({
  ...post(name, path, body, more),
  method: 'PUT',
});
const get = (name: string, path: string, more: Partial<HostileCase> = {}): HostileCase => ({
  name,
  method: 'GET',
  path,
  ...more,
});

/** A transaction of a good Basic, then `resource`: refused whole. */
const goodThenBad = (what: string, resource: string) =>
  post(
    `transaction: a good entry and ${what}`,
    `${T}/`,
    bundle('transaction', `${basicEntry('POST', 'Basic', BASIC)},${basicEntry('POST', 'Basic', resource)}`),
  );

const rest: HostileCase[] = [
  post('create: truncated JSON', `${T}/Patient`, '{"resourceType":'),
  post('create: a JSON array', `${T}/Patient`, '[]'),
  post('create: a JSON string', `${T}/Patient`, '"Patient"'),
  post('create: JSON null', `${T}/Patient`, 'null'),
  post('create: an empty object', `${T}/Patient`, '{}'),
  post('create: another resourceType', `${T}/Patient`, '{"resourceType":"Observation","status":"final"}'),
  post('create: resourceType a number', `${T}/Patient`, '{"resourceType":7}'),
  post('create: duplicate resourceType keys', `${T}/Patient`, '{"resourceType":"Patient","resourceType":"Basic"}'),
  post('create: 10,000 nested objects', `${T}/Patient`, patientWith(`"extension":${deepObject(10_000)}`)),
  post('create: 10,000 nested arrays', `${T}/Patient`, patientWith(`"name":${deepArray(10_000)}`)),
  post('create: 150 nested extensions', `${T}/Patient`, patientWith(`"x":${deepObject(150, 'extension')}`)),
  post('create: NUL in a string', `${T}/Patient`, patientWith('"name":[{"family":"a\\u0000b"}]')),
  post('create: ESC in a string', `${T}/Patient`, patientWith('"name":[{"family":"a\\u001bb"}]')),
  post('create: a raw NUL byte', `${T}/Patient`, Buffer.from(patientWith('"name":[{"family":"a\u0000b"}]'))),
  post('create: a lone high surrogate', `${T}/Patient`, patientWith('"name":[{"family":"\\ud800"}]')),
  post('create: a lone low surrogate in a name', `${T}/Patient`, patientWith('"\\udc00":1')),
  post('create: an array in an array', `${T}/Patient`, patientWith('"identifier":[[{"value":"x"}]]')),
  post('create: name [[1]]', `${T}/Patient`, patientWith('"name":[[1]]')),
  post('create: a __proto__ element', `${T}/Patient`, patientWith('"__proto__":{"polluted":true}')),
  post('create: a constructor element', `${T}/Patient`, patientWith('"constructor":{"prototype":{"x":1}}')),
  post('create: a number beyond double', `${T}/Patient`, patientWith('"multipleBirthInteger":1e999')),
  post('create: bytes that are no UTF-8', `${T}/Patient`, badBytesAt(patientWith('"name":[{"family":"<BAD>"}]'))),
  post(
    'create: bytes that are no UTF-8, charset utf-8',
    `${T}/Patient`,
    badBytesAt(patientWith('"name":[{"text":"<BAD>"}]')),
    {
      headers: { 'Content-Type': 'application/fhir+json; charset=UTF-8' },
    },
  ),
  post(
    'create: a UTF-8 sequence cut short',
    `${T}/Patient`,
    badBytesAt(patientWith('"name":[{"family":"<BAD>"}]'), [0xe2, 0x82]),
  ),
  post('create: a body beyond the body limit', `${T}/Basic`, `{"resourceType":"Basic","x":"${'y'.repeat(70_000)}"}`, {
    expect: 413,
  }),
  post('create: text/plain', `${T}/Patient`, '{"resourceType":"Patient"}', {
    headers: { 'Content-Type': 'text/plain' },
  }),
  post('create: XML', `${T}/Patient`, '<Patient xmlns="http://hl7.org/fhir"/>', {
    headers: { 'Content-Type': 'application/fhir+xml' },
  }),
  post('create: UTF-16 charset', `${T}/Patient`, '{"resourceType":"Patient"}', {
    headers: { 'Content-Type': 'application/fhir+json; charset=utf-16' },
  }),
  post('create: gzip that is not gzip', `${T}/Patient`, '{"resourceType":"Patient"}', {
    headers: { ...FHIR_JSON, 'Content-Encoding': 'gzip' },
  }),
  post('create: an unknown Content-Encoding', `${T}/Patient`, '{"resourceType":"Patient"}', {
    headers: { ...FHIR_JSON, 'Content-Encoding': 'x-hostile' },
  }),
  post('create: an unknown type', `${T}/NotAType`, '{"resourceType":"NotAType"}'),
  post('create: type __proto__', `${T}/__proto__`, '{"resourceType":"__proto__"}'),
  post('create: type constructor', `${T}/constructor`, '{"resourceType":"constructor"}'),
  post('create: type toString', `${T}/toString`, '{"resourceType":"toString"}'),
  put('update: id not the URL id', `${T}/Basic/a`, '{"resourceType":"Basic","id":"b","code":{"text":"x"}}'),
  put('update: id with ..', `${T}/Basic/a`, '{"resourceType":"Basic","id":"../a","code":{"text":"x"}}'),
  put('update: a 65-character id', `${T}/Basic/${'a'.repeat(65)}`, BASIC),
  put('update: an id with a space', `${T}/Basic/a%20b`, BASIC),
  put('update: an id with broken percent-encoding', `${T}/Basic/${BROKEN_PERCENT}`, BASIC),
  put('update: an id with NUL', `${T}/Basic/a%00b`, BASIC),
  put('update: a unicode id', `${T}/Basic/%E2%9C%93`, BASIC),
  put('update: If-Match not an ETag', `${T}/Basic/a`, BASIC_A, { headers: { ...FHIR_JSON, 'If-Match': 'W/"abc"' } }),
  put('update: If-Match beyond safe integers', `${T}/Basic/a`, BASIC_A, {
    headers: { ...FHIR_JSON, 'If-Match': 'W/"99999999999999999999999"' },
    expect: 400,
  }),
  { name: 'patch: not supported', method: 'PATCH', path: `${T}/Basic/a`, headers: FHIR_JSON, body: '[]' },
  { name: 'delete: If-Match garbage', method: 'DELETE', path: `${T}/Basic/a`, headers: { 'If-Match': '*;*' } },
  { name: 'delete: broken percent-encoding', method: 'DELETE', path: `${T}/Basic/${BROKEN_PERCENT}` },
  get('read: broken percent-encoding', `${T}/Patient/${BROKEN_PERCENT}`),
  get('read: a lone percent', `${T}/Patient/%`),
  get('read: NUL', `${T}/Patient/%00`),
  get('read: a 2,000-character id', `${T}/Patient/${LONG}`),
  get('read: an unknown type', `${T}/NotAType/x`),
  get('read: type hasOwnProperty', `${T}/hasOwnProperty/x`),
  get('vread: a version that is no number', `${T}/Patient/x/_history/abc`),
  get('vread: a version beyond safe integers', `${T}/Patient/x/_history/99999999999999999999999`),
  get('vread: version -1', `${T}/Patient/x/_history/-1`),
  get('history: _count=-5', `${T}/Patient/x/_history?_count=-5`, { expect: [200, 499] }),
  get('history: _since not a date', `${T}/Patient/x/_history?_since=yesterday`, { expect: [200, 499] }),
  get('search: _count=-1', `${T}/Patient?_count=-1`),
  get('search: _count=abc', `${T}/Patient?_count=abc`),
  get('search: _count beyond safe integers', `${T}/Patient?_count=99999999999999999999999`, { expect: [200, 499] }),
  get('search: birthdate not a date', `${T}/Patient?birthdate=notadate`),
  get('search: _lastUpdated=gt9999-99-99', `${T}/Patient?_lastUpdated=gt9999-99-99`),
  get('search: an unknown parameter', `${T}/Patient?hostile=1`, { expect: [200, 499] }),
  get('search: a Mongo operator as a name', `${T}/Patient?name[$ne]=x`, { expect: [200, 499] }),
  get('search: a Mongo operator as a value', `${T}/Patient?name=%7B%22%24gt%22%3A%22%22%7D`, { expect: 200 }),
  get('search: broken percent-encoding in a value', `${T}/Patient?name=${BROKEN_PERCENT}`),
  get('search: a lone percent in a value', `${T}/Patient?name=100%`),
  get('history: broken percent-encoding', `${T}/Patient/x/_history?_since=${BROKEN_PERCENT}`),
  get('search: NUL in a value', `${T}/Patient?name=a%00b`, { expect: [200, 499] }),
  get('search: a lone surrogate in a value', `${T}/Patient?name=%ED%A0%80`),
  get('search: a 6,000-character value', `${T}/Patient?name=${'n'.repeat(6000)}`, { expect: [200, 499] }),
  get('search: 500 repeated parameters', `${T}/Patient?${'gender=male&'.repeat(500)}`, { expect: [200, 499] }),
  get('search: a regular expression value', `${T}/Patient?name=(a%2B)%2B%24`, { expect: 200 }),
  get('search: _sort on an unknown parameter', `${T}/Patient?_sort=hostile`, { expect: [200, 499] }),
  get('search: _include of everything', `${T}/Patient?_include=*:*`, { expect: [200, 499] }),
  get('search: a chain', `${T}/Observation?subject:Patient.name=x`, { expect: [200, 499] }),
  get('search: a reference of an unknown type', `${T}/Observation?subject=NotAType/x`, { expect: [200, 499] }),
  get('search: _id with ..', `${T}/Patient?_id=..`, { expect: [200, 499] }),
  get('an unknown operation', `${T}/Patient/x/$everything`),
];

const bundles: HostileCase[] = [
  post('bundle: a Patient at the base', `${T}/`, '{"resourceType":"Patient"}'),
  post('bundle: type document', `${T}/`, bundle('document', '')),
  post('bundle: no type', `${T}/`, '{"resourceType":"Bundle","entry":[]}'),
  post('bundle: entry an object', `${T}/`, '{"resourceType":"Bundle","type":"transaction","entry":{}}'),
  post('batch: entries null, 1 and "x"', `${T}/`, bundle('batch', 'null,1,"x"'), { expect: [200, 499] }),
  post('transaction: entries null, 1 and "x"', `${T}/`, bundle('transaction', 'null,1,"x"')),
  post('transaction: method FOO', `${T}/`, bundle('transaction', basicEntry('FOO', 'Basic', BASIC))),
  post('transaction: url ../../x', `${T}/`, bundle('transaction', basicEntry('POST', '../../Basic', BASIC))),
  post(
    'transaction: an absolute url elsewhere',
    `${T}/`,
    bundle('transaction', basicEntry('POST', 'http://evil.example/Basic', BASIC)),
  ),
  post(
    'transaction: broken percent-encoding',
    `${T}/`,
    bundle('transaction', basicEntry('PUT', `Basic/${BROKEN_PERCENT}`, BASIC)),
  ),
  post(
    'transaction: a PUT, then a GET of a missing resource',
    `${T}/`,
    bundle(
      'transaction',
      `${basicEntry('PUT', 'Basic/x', '{"resourceType":"Basic","id":"x","code":{"text":"x"}}')},${basicEntry('GET', 'Basic/missing')}`,
    ),
  ),
  goodThenBad('a 300-deep one', `{"resourceType":"Basic","x":${deepObject(300)}}`),
  goodThenBad('a NUL', '{"resourceType":"Basic","code":{"text":"\\u0000"}}'),
  goodThenBad('nested arrays', '{"resourceType":"Basic","identifier":[[{"value":"x"}]]}'),
  post(
    'transaction: a number beyond double in an entry',
    `${T}/`,
    bundle('transaction', basicEntry('POST', 'Basic', '{"resourceType":"Basic","code":{"text":"x"},"x":-1e999}')),
  ),
  post(
    'transaction: bytes that are no UTF-8 in an entry',
    `${T}/`,
    badBytesAt(bundle('transaction', basicEntry('POST', 'Basic', '{"resourceType":"Basic","code":{"text":"<BAD>"}}'))),
  ),
  post(
    'transaction: 4,000 nested Bundle levels',
    `${T}/`,
    `{"resourceType":"Bundle","type":"transaction","entry":[{"resource":${deepObject(4000, 'resource')}}]}`,
  ),
  post(
    'transaction: a reference to a urn not in it',
    `${T}/`,
    bundle(
      'transaction',
      `{"fullUrl":"urn:uuid:not-a-uuid","resource":${BASIC},"request":{"method":"POST","url":"Basic"}},${basicEntry('POST', 'Observation', '{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"urn:uuid:00000000-0000-0000-0000-000000000000"}}')}`,
    ),
    { expect: [200, 499] },
  ),
  post(
    'transaction: two entries, one fullUrl',
    `${T}/`,
    bundle(
      'transaction',
      `{"fullUrl":"urn:uuid:11111111-1111-1111-1111-111111111111","resource":${BASIC},"request":{"method":"POST","url":"Basic"}},{"fullUrl":"urn:uuid:11111111-1111-1111-1111-111111111111","resource":${BASIC},"request":{"method":"POST","url":"Basic"}}`,
    ),
  ),
  post(
    'transaction: If-None-Exist with a Mongo operator',
    `${T}/`,
    bundle('transaction', `{"resource":${BASIC},"request":{"method":"POST","url":"Basic","ifNoneExist":"code[$gt]="}}`),
    { expect: [200, 499] },
  ),
  post(
    'transaction: a __proto__ entry',
    `${T}/`,
    '{"resourceType":"Bundle","type":"transaction","entry":[{"__proto__":{"request":{"method":"DELETE","url":"Basic/x"}}}]}',
  ),
  post('batch: 10,000 empty entries', `${T}/`, bundle('batch', Array(10_000).fill('{}').join(',')), {
    expect: [200, 499],
  }),
];

const exportKickoff = `${T}/$export`;
const exportGet = (name: string, query: string, more: Partial<HostileCase> = {}) =>
  get(`$export: ${name}`, `${exportKickoff}?${query}`, { headers: ASYNC, ...more });
const exportPost = (name: string, body: string, more: Partial<HostileCase> = {}) =>
  post(`$export: ${name}`, exportKickoff, body, { headers: { ...FHIR_JSON, ...ASYNC }, ...more });

const exports: HostileCase[] = [
  get('$export: no Prefer', exportKickoff),
  exportGet('Prefer respond-sync', '_type=Patient', { headers: { Prefer: 'respond-sync' } }),
  exportGet('Prefer of 8,000 characters', '_type=Patient', { headers: { Prefer: `x=${'y'.repeat(8000)}` } }),
  exportGet('_type NotAType', '_type=NotAType'),
  exportGet('_type __proto__', '_type=__proto__'),
  exportGet('_type of 5,000 characters', `_type=${'P'.repeat(5000)}`),
  exportGet('_type with broken percent-encoding', `_type=${BROKEN_PERCENT}`),
  exportGet('_since not a date', '_since=notadate'),
  exportGet('_since 9999-99-99', '_since=9999-99-99'),
  exportGet('_since with hour 25', '_since=2020-01-01T25:61:61Z'),
  exportGet('_since twice', '_since=2020-01-01&_since=2021-01-01'),
  exportGet('_outputFormat text/csv', '_outputFormat=text/csv'),
  exportGet('_outputFormat NUL', '_outputFormat=%00'),
  exportGet('_outputFormat twice', '_outputFormat=ndjson&_outputFormat=text/csv'),
  exportGet('_typeFilter of an unknown type', '_typeFilter=NotAType%3Fx%3D1'),
  exportGet('_typeFilter with a Mongo operator', '_typeFilter=Patient%3Fname[$where]%3D1'),
  exportGet('_typeFilter with broken percent-encoding', '_typeFilter=Patient%3Fname%3D%25E0%25A4%25A'),
  exportGet('_typeFilter that is no query', '_typeFilter=%3F%3F%3F'),
  exportGet('_elements __proto__', '_elements=__proto__'),
  exportGet('patient on a GET', 'patient=Patient/x'),
  exportGet('includeAssociatedData foo', 'includeAssociatedData=foo'),
  exportGet('Accept text/html', '_type=Patient', { headers: { ...ASYNC, Accept: 'text/html' }, expect: 406 }),
  get('$export: group with broken percent-encoding', `${T}/Group/${BROKEN_PERCENT}/$export`, { headers: ASYNC }),
  get('$export: group id of 2,000 characters', `${T}/Group/${LONG}/$export`, { headers: ASYNC }),
  get('$export: patient id NUL', `${T}/Patient/%00/$export`, { headers: ASYNC }),
  exportPost('a Patient body', '{"resourceType":"Patient"}'),
  exportPost('parameter not an array', '{"resourceType":"Parameters","parameter":{}}'),
  exportPost('parameter [null]', parameters('null')),
  exportPost('a parameter without name', parameters('{"valueString":"Patient"}')),
  exportPost('_type with NUL', parameters('{"name":"_type","valueString":"Pat\\u0000ient"}')),
  exportPost('a 6,000-deep part', parameters(`{"name":"_type","part":[${deepObject(6000, 'part')}]}`)),
  exportPost('text/plain', parameters(), { headers: { ...ASYNC, 'Content-Type': 'text/plain' }, expect: 415 }),
];

const importKickoff = `${T}/$import`;
const importPost = (name: string, body: string | Buffer, more: Partial<HostileCase> = {}) =>
  post(`$import: ${name}`, importKickoff, body, { headers: { ...FHIR_JSON, ...ASYNC }, ...more });

const imports: HostileCase[] = [
  importPost('no body', ''),
  importPost('no Prefer', importOf('"s3://{bucket}/x.ndjson"'), { headers: FHIR_JSON }),
  importPost('a Patient body', '{"resourceType":"Patient"}'),
  importPost('no input', importBody()),
  importPost('an input without url', importBody('{"name":"input","part":[{"name":"type","valueString":"Patient"}]}')),
  importPost('an input of an unknown type', importOf('"s3://{bucket}/x.ndjson"', 'NotAType')),
  importPost('an input of type __proto__', importOf('"s3://{bucket}/x.ndjson"', '__proto__')),
  importPost(
    'inputFormat text/csv',
    parameters('{"name":"inputFormat","valueString":"text/csv"}', importInput('"s3://{bucket}/x.ndjson"')),
  ),
  importPost(
    'mode Whatever',
    parameters(
      '{"name":"inputFormat","valueString":"ndjson"}',
      '{"name":"mode","valueString":"Whatever"}',
      importInput('"s3://{bucket}/x.ndjson"'),
    ),
  ),
  importPost(
    'an unknown parameter',
    parameters(
      '{"name":"inputFormat","valueString":"ndjson"}',
      '{"name":"hostile","valueString":"1"}',
      importInput('"s3://{bucket}/x.ndjson"'),
    ),
  ),
  importPost('an http URL not allowed', importOf('"http://169.254.169.254/latest/meta-data"')),
  importPost('a file URL', importOf('"file:///etc/passwd"')),
  importPost('a bucket not allowed', importOf('"s3://fhir-bulk/default/export/x.ndjson"')),
  importPost('a missing object', importOf('"s3://{bucket}/missing.ndjson"')),
  importPost('key ../secret', importOf('"s3://fhir-bulk-import/../secret"')),
  importPost('key .. in the bucket', importOf('"s3://{bucket}/.."')),
  importPost('key .', importOf('"s3://{bucket}/."')),
  importPost('key a/../../fhir-bulk/x', importOf('"s3://{bucket}/a/../../fhir-bulk/x"')),
  importPost('key with NUL', importOf('"s3://{bucket}/a\\u0000b"')),
  importPost('key with a lone surrogate', importOf('"s3://{bucket}/a\\ud800b"')),
  importPost('key of 2,000 characters', importOf(`"s3://{bucket}/${LONG}"`)),
  importPost('key with broken percent-encoding', importOf(`"s3://{bucket}/${BROKEN_PERCENT}"`)),
  importPost('key with empty segments', importOf('"s3://{bucket}//x.ndjson"')),
  importPost('a URL that is no URL', importOf('"::::"')),
  importPost(
    'a URL that is an object',
    importBody(
      '{"name":"input","part":[{"name":"type","valueString":"Patient"},{"name":"url","valueUri":{"$gt":""}}]}',
    ),
  ),
  importPost('bytes that are no UTF-8 in a URL', badBytesAt(importOf('"s3://{bucket}/<BAD>"'))),
  importPost('1,001 inputs', importBody(...Array<string>(1001).fill('{"name":"input"}'))),
  importPost('text/plain', importOf('"s3://{bucket}/x.ndjson"'), {
    headers: { ...ASYNC, 'Content-Type': 'text/plain' },
    expect: 415,
  }),
];

const jobPaths: HostileCase[] = [
  get('status: an unknown export', `${T}/_export/00000000-0000-0000-0000-000000000000`, { expect: 404 }),
  get('status: ..', `${T}/_export/..`, { raw: true }),
  get('status: %2E%2E', `${T}/_export/%2E%2E`, { raw: true }),
  get('status: an encoded slash', `${T}/_export/a%2Fb`),
  get('status: 2,000 characters', `${T}/_export/${LONG}`),
  get('status: NUL', `${T}/_export/%00`),
  get('status: broken percent-encoding', `${T}/_export/${BROKEN_PERCENT}`),
  get('status: unicode', `${T}/_export/%F0%9F%98%80`),
  get('status: the alias with ..', `${T}/$bulk-export-status/%2E%2E`, { raw: true }),
  get('status: page=-1 of an unknown job', `${T}/_export/00000000-0000-0000-0000-000000000000?page=-1`),
  get('status: page[$gt]= of a real job', `${T}/_export/{exportJob}?page[$gt]=1`, { expect: [200, 499] }),
  get('file: ..', `${T}/_export/{exportJob}/files/..`, { raw: true }),
  get('file: %2E%2E%2Fsecret', `${T}/_export/{exportJob}/files/%2E%2E%2Fsecret`),
  get('file: an encoded slash into another job', `${T}/_export/{exportJob}/files/..%2F..%2Fother%2FPatient.ndjson`),
  get('file: 1,100 characters', `${T}/_export/{exportJob}/files/${'f'.repeat(1100)}.ndjson`),
  get('file: NUL', `${T}/_export/{exportJob}/files/Patient%00.ndjson`),
  get('file: unicode', `${T}/_export/{exportJob}/files/%F0%9F%98%80.ndjson`),
  get('file: broken percent-encoding', `${T}/_export/{exportJob}/files/${BROKEN_PERCENT}`),
  get('file: a lone surrogate', `${T}/_export/{exportJob}/files/%ED%A0%80.ndjson`),
  get('file: of an unknown job', `${T}/_export/00000000-0000-0000-0000-000000000000/files/Patient.ndjson`),
  get(
    'file: a name of the right form that does not exist',
    `${T}/_export/{exportJob}/files/Patient-999999-999999999.ndjson`,
    { expect: 404 },
  ),
  get('file: a Range beyond the end', `${T}/_export/{exportJob}/files/{exportFile}`, {
    headers: { Range: 'bytes=99999999-' },
    expect: [200, 499],
  }),
  get('file: a Range that is garbage', `${T}/_export/{exportJob}/files/{exportFile}`, {
    headers: { Range: 'bytes=-' },
    expect: [200, 499],
  }),
  get('file: 1,000 Ranges', `${T}/_export/{exportJob}/files/{exportFile}`, {
    headers: { Range: `bytes=${'0-0,'.repeat(1000)}0-0` },
    expect: [200, 499],
  }),
  {
    name: 'cancel: an unknown export',
    method: 'DELETE',
    path: `${T}/_export/00000000-0000-0000-0000-000000000000`,
    expect: 404,
  },
  { name: 'cancel: broken percent-encoding', method: 'DELETE', path: `${T}/_export/${BROKEN_PERCENT}` },
  { name: 'cancel: ..', method: 'DELETE', path: `${T}/_import/..`, raw: true },
  get('import status: NUL', `${T}/_import/%00`),
  get('import status: 2,000 characters', `${T}/_import/${LONG}`),
  get('import file: ..', `${T}/_import/{importJob}/files/..`, { raw: true }),
  get('import file: an encoded slash', `${T}/_import/{importJob}/files/..%2Ferrors-0.ndjson`),
  get('import file: 1,100 characters', `${T}/_import/{importJob}/files/${'e'.repeat(1100)}`),
  get('import file: broken percent-encoding', `${T}/_import/{importJob}/files/${BROKEN_PERCENT}`),
  get('view export status: ..', `${T}/_viewdefinition-export/%2E%2E`, { raw: true }),
];

const tenants: HostileCase[] = [
  get('tenant: empty', '/tenant//Patient'),
  get('tenant: 65 characters', `/tenant/${'t'.repeat(65)}/Patient`),
  get('tenant: ..', '/tenant/../Patient', { raw: true }),
  get('tenant: %2E%2E', '/tenant/%2E%2E/Patient', { raw: true }),
  get('tenant: unicode', '/tenant/%C3%A9/Patient'),
  get('tenant: NUL', '/tenant/%00/Patient'),
  get('tenant: a newline', '/tenant/a%0Ab/Patient'),
  get('tenant: broken percent-encoding', `/tenant/${BROKEN_PERCENT}/Patient`),
  get('tenant: an encoded slash', '/tenant/a%2Fb/Patient'),
  get('tenant: uppercase', '/tenant/HOSTILE/Patient', { expect: 200 }),
  get('tenant: __proto__', '/tenant/__proto__/Patient', { expect: 200 }),
  get('tenant: under /fhir, 2,000 characters', `/fhir/tenant/${LONG}/$export`, { headers: ASYNC }),
  post('tenant: a create in tenant NUL', '/tenant/%00/Basic', BASIC),
  post('tenant: a create in tenant ..', '/tenant/../Basic', BASIC, { raw: true, expect: [200, 499] }),
];

const headers: HostileCase[] = [
  get('Accept garbage', `${T}/Patient`, { headers: { Accept: ';;;,,=' }, expect: [200, 499] }),
  get('Accept XML only', `${T}/Patient`, { headers: { Accept: 'application/fhir+xml' }, expect: [200, 499] }),
  post('Content-Type garbage', `${T}/Patient`, '{"resourceType":"Patient"}', { headers: { 'Content-Type': '///' } }),
  post('Content-Type latin1', `${T}/Patient`, '{"resourceType":"Patient"}', {
    headers: { 'Content-Type': 'application/fhir+json; charset=latin1' },
  }),
  get('a header of 8,000 characters', `${T}/Patient`, { headers: { 'X-Hostile': 'h'.repeat(8000) }, expect: 200 }),
  get('a header beyond the header limit', `${T}/Patient`, { headers: { 'X-Hostile': 'h'.repeat(20_000) }, raw: true }),
  get('a URL beyond the header limit', `${T}/Patient?name=${'n'.repeat(20_000)}`, { raw: true }),
  put('If-Match of 8,000 characters', `${T}/Basic/a`, BASIC_A, {
    headers: { ...FHIR_JSON, 'If-Match': 'W/"'.repeat(2000) },
  }),
];

const auth: HostileCase[] = [
  get('auth: none', `${T}/Patient`, { authorization: null, expect: 401 }),
  get('auth: Bearer alone', `${T}/Patient`, { authorization: 'Bearer', expect: 401 }),
  get('auth: Basic', `${T}/Patient`, { authorization: 'Basic dXNlcjpwYXNz', expect: 401 }),
  get('auth: three words', `${T}/Patient`, { authorization: 'Bearer a b', expect: 401 }),
  get('auth: an unknown token', `${T}/Patient`, { authorization: 'Bearer hostile', expect: 401 }),
  get('auth: a forged JWT', `${T}/Patient`, {
    authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
    expect: 401,
  }),
  get('auth: a token of 8,000 characters', `${T}/Patient`, {
    authorization: `Bearer ${'t'.repeat(8000)}`,
    expect: 401,
  }),
  get('auth: latin-1 bytes', `${T}/Patient`, { authorization: 'Bearer \u00e9\u00e9', expect: 401 }),
  get('auth: a tab inside', `${T}/Patient`, { authorization: 'Bearer a\tb', expect: 401 }),
  post('auth: a write without a token', `${T}/Basic`, BASIC, { authorization: null, expect: 401 }),
  post('auth: an $import with a bad token', importKickoff, importOf('"s3://{bucket}/x"'), {
    headers: { ...FHIR_JSON, ...ASYNC },
    authorization: 'Bearer nope',
    expect: 401,
  }),
];

const viewRun = `${T}/$viewdefinition-run`;
const views: HostileCase[] = [
  post(
    'ViewDefinition: an unknown element',
    `${T}/ViewDefinition`,
    '{"resourceType":"ViewDefinition","status":"active","resource":"Patient","select":[{"column":[{"name":"id","path":"id"}]}],"foo":1}',
  ),
  post(
    'ViewDefinition: __proto__',
    `${T}/ViewDefinition`,
    '{"resourceType":"ViewDefinition","status":"active","resource":"Patient","select":[{"column":[{"name":"id","path":"id"}]}],"__proto__":{"x":1}}',
  ),
  post(
    'ViewDefinition: select 4,000 deep',
    `${T}/ViewDefinition`,
    `{"resourceType":"ViewDefinition","status":"active","resource":"Patient","select":[${deepObject(4000, 'select')}]}`,
  ),
  get('run: no view', viewRun),
  get('run: an unknown stored view', `${T}/ViewDefinition/nope/$viewdefinition-run`, { expect: 404 }),
  get('run: a view id with broken percent-encoding', `${T}/ViewDefinition/${BROKEN_PERCENT}/$viewdefinition-run`),
  post(
    'run: viewResource 4,000 deep',
    viewRun,
    parameters(`{"name":"viewResource","resource":${deepObject(4000, 'resource')}}`),
  ),
  post(
    'run: a path that does not parse',
    viewRun,
    parameters(
      '{"name":"viewResource","resource":{"resourceType":"ViewDefinition","status":"active","resource":"Patient","select":[{"column":[{"name":"x","path":"(((("}]}]}}',
    ),
  ),
  post(
    'run: a resource that is no view',
    viewRun,
    parameters('{"name":"viewResource","resource":{"resourceType":"Patient"}}'),
  ),
  post(
    'run: _format xml',
    `${viewRun}?_format=xml`,
    parameters(
      '{"name":"viewResource","resource":{"resourceType":"ViewDefinition","status":"active","resource":"Patient","select":[{"column":[{"name":"id","path":"id"}]}]}}',
    ),
  ),
];

export const HOSTILE_CASES: HostileCase[] = [
  ...rest,
  ...bundles,
  ...exports,
  ...imports,
  ...jobPaths,
  ...tenants,
  ...headers,
  ...auth,
  ...views,
];
