import { redactedParameters, redactedQuery } from '../src';

describe('redaction of what a kick-off or search sent', () => {
  it('gives up on a body nested deeper than JSON.stringify can go, instead of failing the request', () => {
    let deep: Record<string, unknown> = { value: 1 };
    for (let i = 0; i < 20_000; i++) deep = { part: [deep] };
    expect(redactedParameters({ resourceType: 'Parameters', parameter: [deep] })).toBeUndefined();
  });

  it('keeps the names of $bulk-submit’s header and key parameters and drops their values', () => {
    const body = {
      resourceType: 'Parameters',
      parameter: [
        { name: 'manifestUrl', valueUrl: 'https://source.example/manifest.json' },
        {
          name: 'fileRequestHeader',
          part: [
            { name: 'headerName', valueString: 'Authorization' },
            { name: 'headerValue', valueString: 'Bearer s3cr3t' },
          ],
        },
        { name: 'fileEncryptionKey', valueString: 'k3y' },
      ],
    };
    const recorded = redactedParameters(body)!;
    expect(recorded).not.toMatch(/s3cr3t|k3y/);
    expect(JSON.parse(recorded)).toEqual({
      resourceType: 'Parameters',
      parameter: [
        { name: 'manifestUrl', valueUrl: 'https://source.example/manifest.json' },
        { name: 'fileRequestHeader', valueString: '[redacted]' },
        { name: 'fileEncryptionKey', valueString: '[redacted]' },
      ],
    });
  });

  it('drops the value of a token put in a query string and keeps the rest as sent', () => {
    expect(redactedQuery('name=Sm%C3%AFth&access_token=abc&_count=5')).toBe(
      'name=Sm%C3%AFth&access_token=[redacted]&_count=5',
    );
    expect(redactedQuery('_type=Patient,Observation')).toBe('_type=Patient,Observation');
    expect(redactedQuery('')).toBe('');
  });
});
