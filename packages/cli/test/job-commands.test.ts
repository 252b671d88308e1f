import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Connection } from '../src/connection';
import { runJobs } from '../src/job-commands';
import type { Output } from '../src/output';

// `GET [base]/_jobs` as documented (issue 16's job listing): `{ jobs: [...], next }`, `next` the following page's URL.
let server: Server;
let base: string;
const asked: string[] = [];

const job = (jobId: string, status: string) => ({
  jobId,
  kind: 'export',
  status,
  startTime: '2026-12-07T12:00:00.000Z',
  ...(status === 'completed' ? { endTime: '2026-12-07T12:01:00.000Z', totalRecords: 1200, fileCount: 3 } : {}),
  statusUrl: `${base}/_export/${jobId}`,
});

beforeAll(async () => {
  server = createServer((req, res) => {
    asked.push(req.url!);
    const page2 = req.url!.includes('cursor=c2');
    res.setHeader('Content-Type', 'application/json');
    res.end(
      JSON.stringify(
        page2
          ? { jobs: [job('j2', 'running')] }
          : { jobs: [job('j1', 'completed')], next: `${base}/_jobs?kind=export&cursor=c2` },
      ),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());
beforeEach(() => (asked.length = 0));

function capture() {
  const results: string[] = [];
  const said: string[] = [];
  const output = { result: (text: string) => results.push(text), say: (text: string) => said.push(text) };
  return { output: output as unknown as Output, results, said };
}

const connection = (): Connection => ({ base, tenant: 'default', send: (url, init) => fetch(url, init) });

describe('fhir-bulk jobs', () => {
  it('asks _jobs with the filters given and shows the first page as a table, saying where more are', async () => {
    const { output, results, said } = capture();
    await runJobs(
      connection(),
      { kind: 'export', status: 'completed', since: '2026-12-01', count: 1, all: false, json: false },
      output,
    );
    expect(asked).toEqual(['/_jobs?kind=export&status=completed&since=2026-12-01&_count=1']);
    expect(results[0]!.split('\n')).toEqual([
      'job  kind    status     started               ended                 records  files',
      'j1   export  completed  2026-12-07T12:00:00Z  2026-12-07T12:01:00Z  1200     3',
    ]);
    expect(said).toEqual([`more jobs: --all, or the next page at ${base}/_jobs?kind=export&cursor=c2`]);
  });

  it('follows next links to the end with --all', async () => {
    const { output, results } = capture();
    await runJobs(connection(), { all: true, json: true }, output);
    expect(asked).toEqual(['/_jobs', '/_jobs?kind=export&cursor=c2']);
    expect((JSON.parse(results[0]!) as Array<{ jobId: string }>).map((j) => j.jobId)).toEqual(['j1', 'j2']);
  });
});
