import { createLogger } from '../src';

/** What one log call writes, parsed. */
function logged(log: (logger: ReturnType<typeof createLogger>) => void): Record<string, unknown> {
  const lines: string[] = [];
  log(createLogger('test', 'info', { write: (line: string) => void lines.push(line) }));
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}

describe('createLogger', () => {
  it('redacts credentials wherever a log call puts them', () => {
    const line = JSON.stringify(
      logged((logger) =>
        logger.info(
          {
            headers: { authorization: 'Bearer secret-token' },
            response: { access_token: 'secret-access', scope: 'system/*.read' },
            form: { client_assertion: 'secret.jwt.assertion' },
            client: { privateJwk: { d: 'secret-d' } },
            adminToken: 'secret-admin',
          },
          'request',
        ),
      ),
    );
    expect(line).not.toMatch(/secret/);
    expect(line).toContain('system/*.read');
  });

  it('logs an error by its type, code, message and stack, never by the documents it carries', () => {
    const error = Object.assign(new Error('E11000 duplicate key'), {
      code: 11000,
      writeErrors: [{ op: { resourceType: 'Patient', name: [{ family: 'Confidential' }] } }],
      cause: Object.assign(new Error('inner'), { document: { ssn: '123-45-6789' } }),
    });
    const line = logged((logger) => logger.error({ err: error }, 'write failed'));
    expect(line.err).toMatchObject({
      type: 'Error',
      message: 'E11000 duplicate key',
      code: 11000,
      cause: { type: 'Error', message: 'inner' },
    });
    expect(JSON.stringify(line)).not.toMatch(/Confidential|123-45-6789/);
  });
});
