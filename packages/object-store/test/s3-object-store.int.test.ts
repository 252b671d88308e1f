import { Readable } from 'node:stream';
import { connectTestServices, type TestServices } from '@fhir-bulk/test-support';

let services: TestServices;
beforeAll(async () => {
  services = await connectTestServices();
});
afterAll(() => services.close());

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('S3ObjectStore on versitygw', () => {
  it('streams a body larger than one part as a multipart upload and reads back the same bytes', async () => {
    const line = `${'x'.repeat(1023)}\n`;
    const lines = 20 * 1024; // 20 MiB: three 8 MiB parts
    const body = Readable.from(
      (function* () {
        for (let i = 0; i < lines; i += 256) yield Buffer.from(line.repeat(256));
      })(),
    );
    const { size } = await services.objects.put('big/file.ndjson', body, 'application/fhir+ndjson');
    expect(size).toBe(lines * 1024);
    const back = await text(await services.objects.get('big/file.ndjson'));
    expect(back.length).toBe(lines * 1024);
    expect(back.split('\n')).toHaveLength(lines + 1);
  });

  it('lists and deletes everything under a prefix, and nothing outside it', async () => {
    await services.objects.put('job-1/a.ndjson', 'a\n', 'application/fhir+ndjson');
    await services.objects.put('job-1/b.ndjson', 'b\n', 'application/fhir+ndjson');
    await services.objects.put('job-10/c.ndjson', 'c\n', 'application/fhir+ndjson');
    expect(await services.objects.list('job-1/')).toEqual(['job-1/a.ndjson', 'job-1/b.ndjson']);
    expect(await services.objects.deletePrefix('job-1/')).toBe(2);
    expect(await services.objects.list('job-1')).toEqual(['job-10/c.ndjson']);
    expect(await services.objects.getText('job-10/c.ndjson')).toBe('c\n');
  });
});
