import type { OperationOutcome } from '@fhir-bulk/fhir';

/**
 * The one issue of the OperationOutcome `response` answers with `status`; fails the test unless that is what came,
 * as `contentType` (FHIR JSON unless said otherwise).
 */
export async function outcomeIssue(
  response: Response,
  status: number,
  contentType = /^application\/fhir\+json/,
): Promise<OperationOutcome['issue'][number]> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(contentType);
  const body = (await response.json()) as OperationOutcome;
  expect(body.resourceType).toBe('OperationOutcome');
  expect(body.issue).toHaveLength(1);
  return body.issue[0]!;
}
