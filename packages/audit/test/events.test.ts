import { auditId, jobEndEvent, requestEvent, tokenEvent } from '../src';

const source = { site: 'https://fhir.example', observer: 'fhir-bulk api' as const };
const client = { id: 'c-1', name: 'Reporting', proven: true, address: '10.0.0.7' };
const recorded = new Date('2026-12-07T10:00:00Z');

describe('requestEvent', () => {
  it('makes a REST read a BALP rest event naming the client, the resource and the tenant', () => {
    const event = requestEvent(
      { kind: 'rest', interaction: 'read', resourceType: 'Patient', id: '1' },
      { status: 200, client, source, tenant: 't1', recorded },
    );
    expect(event).toEqual({
      resourceType: 'AuditEvent',
      type: {
        system: 'http://terminology.hl7.org/CodeSystem/audit-event-type',
        code: 'rest',
        display: 'RESTful Operation',
      },
      subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'read' }],
      action: 'R',
      recorded: '2026-12-07T10:00:00.000Z',
      outcome: '0',
      agent: [
        {
          type: {
            coding: [
              { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110153', display: 'Source Role ID' },
            ],
          },
          who: {
            reference: 'Device/c-1',
            identifier: { system: 'urn:fhir-bulk:client', value: 'c-1' },
            display: 'Reporting',
          },
          requestor: true,
          network: { address: '10.0.0.7', type: '2' },
        },
      ],
      source: {
        site: 'https://fhir.example',
        observer: { display: 'fhir-bulk api' },
        type: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/security-source-type',
            code: '4',
            display: 'Application Server',
          },
        ],
      },
      entity: [
        { what: { reference: 'Patient/1' }, type: { system: 'http://hl7.org/fhir/resource-types', code: 'Patient' } },
        expect.objectContaining({
          what: { identifier: { system: 'urn:fhir-bulk:tenant', value: 't1' }, display: 'tenant t1' },
        }),
      ],
    });
  });

  it('names the resource a create wrote from its Location, and a search by its query in base64', () => {
    const created = requestEvent(
      { kind: 'rest', interaction: 'create', resourceType: 'Patient' },
      { status: 201, client, source, tenant: 't', recorded, location: 'https://x/tenant/t/Patient/abc/_history/1' },
    );
    expect(created.action).toBe('C');
    expect(created.entity[0]!.what).toEqual({ reference: 'Patient/abc/_history/1' });
    const searched = requestEvent(
      { kind: 'rest', interaction: 'search-type', resourceType: 'Patient' },
      { status: 200, client, source, tenant: 't', recorded, query: 'name=x' },
    );
    expect(Buffer.from(searched.entity[0]!.query!, 'base64').toString()).toBe('name=x');
    expect(searched.entity[0]!.role).toMatchObject({ code: '24', display: 'Query' });
  });

  it('grades failures by status: 4xx minor, 5xx serious, with the reason', () => {
    const refused = requestEvent(
      { kind: 'kickoff', operation: 'export' },
      { status: 400, failure: '_type Foo is unknown', client, source, tenant: 't', recorded, jobId: 'j' },
    );
    expect(refused).toMatchObject({
      outcome: '4',
      outcomeDesc: '_type Foo is unknown',
      subtype: [{ code: 'export-kickoff' }],
    });
    const failed = requestEvent(
      { kind: 'rest', interaction: 'read' },
      { status: 503, failure: 'x', client, source, tenant: 't', recorded },
    );
    expect(failed.outcome).toBe('8');
  });

  it('records what a download sent, and a hang-up as a minor failure', () => {
    const download = { kind: 'download', job: 'export', jobId: 'j1', file: 'Patient-0-0.ndjson' } as const;
    const whole = requestEvent(download, {
      status: 206,
      client,
      source,
      tenant: 't',
      recorded,
      download: { bytesSent: 10, range: 'bytes 0-9/99', complete: true },
    });
    expect(whole).toMatchObject({ outcome: '0', type: { code: '110106' }, action: 'R' });
    expect(whole.entity[1]).toMatchObject({
      name: 'Patient-0-0.ndjson',
      detail: [
        { type: 'bytes-sent', valueString: '10' },
        { type: 'range', valueString: 'bytes 0-9/99' },
      ],
    });
    const cut = requestEvent(download, {
      status: 200,
      client,
      source,
      tenant: 't',
      recorded,
      download: { bytesSent: 5, complete: false },
    });
    expect(cut.outcome).toBe('4');
  });
});

describe('jobEndEvent', () => {
  it('has a deterministic id and the job’s figures', () => {
    const event = jobEndEvent({
      kind: 'export',
      jobId: '0b7f9c1e-0000-4000-8000-000000000000',
      tenant: 't',
      requestedBy: 'c-1',
      ended: 'complete',
      figures: { records: 7, files: 2, bytes: 1234 },
      recorded,
      source: { site: 'https://fhir.example', observer: 'fhir-bulk worker' },
    });
    expect(event.id).toBe('0b7f9c1e-0000-4000-8000-000000000000-export-complete');
    expect(event.entity[0]).toMatchObject({
      what: { reference: 'Task/0b7f9c1e-0000-4000-8000-000000000000' },
      detail: [
        { type: 'record-count', valueString: '7' },
        { type: 'file-count', valueString: '2' },
        { type: 'total-bytes', valueString: '1234' },
      ],
    });
    expect(event.agent[0]!.who.reference).toBe('Device/c-1');
    expect(event.agent[0]!.network).toBeUndefined();
  });

  it('makes ids FHIR ids', () => {
    expect(auditId('a/b c', 'x'.repeat(80))).toMatch(/^[A-Za-z0-9\-.]{64}$/);
  });
});

describe('tokenEvent', () => {
  it('names a refused request’s claimed client by identifier only, with the reason', () => {
    const event = tokenEvent({
      client: { id: 'who-knows', proven: false, address: '10.0.0.9' },
      source,
      recorded,
      refused: 'invalid_client: Unknown or disabled client who-knows',
      status: 401,
    });
    expect(event).toMatchObject({
      type: { code: '110114' },
      subtype: [{ system: 'urn:fhir-bulk:audit', code: 'token-refused' }],
      outcome: '4',
      outcomeDesc: 'invalid_client: Unknown or disabled client who-knows',
    });
    expect(event.agent[0]!.who).toEqual({ identifier: { system: 'urn:fhir-bulk:client', value: 'who-knows' } });
  });
});
