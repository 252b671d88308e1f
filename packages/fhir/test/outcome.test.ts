import { badRequest, OperationOutcomeError, tooManyRequests } from '../src';

describe('OperationOutcomeError', () => {
  it('carries a 400 with an issue pointing at the parameter', () => {
    const error = badRequest('_type: unknown resource type "Foo"', '_type');
    expect(error).toBeInstanceOf(OperationOutcomeError);
    expect(error.status).toBe(400);
    expect(error.outcome).toEqual({
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: 'invalid',
          diagnostics: '_type: unknown resource type "Foo"',
          expression: ['_type'],
        },
      ],
    });
    expect(error.message).toBe('_type: unknown resource type "Foo"');
  });

  it('puts Retry-After on a 429', () => {
    const error = tooManyRequests('slow down', 5);
    expect(error.status).toBe(429);
    expect(error.headers).toEqual({ 'Retry-After': '5' });
    expect(error.outcome.issue[0]?.code).toBe('throttled');
  });
});
