import { type ImportJobStatus, type Submission, submitStatusAnswer } from '../src';

const NOW = new Date('2026-01-02T03:04:05Z');

const submission = (status: Submission['status'], ...jobIds: string[]): Submission => ({
  _id: 'id',
  tenant: 't',
  requestedBy: 'c',
  submitter: { system: 'https://provider.example/ids', value: 'lab-1' },
  submissionId: 's1',
  status,
  manifests: jobIds.map((jobId) => ({ manifestUrl: `https://provider.example/${jobId}.json`, jobId })),
  revision: jobIds.length,
  createdAt: 'then',
});

const completed = (errors: number): ImportJobStatus => ({
  state: 'completed',
  result: {
    transactionTime: 'then',
    request: 'r',
    requiresAccessToken: true,
    output: [{ type: 'Patient', inputUrl: 'in', count: 3 }],
    error: errors ? [{ type: 'OperationOutcome', inputUrl: 'in', count: errors, url: 'https://errors.example' }] : [],
  },
});

describe('submitStatusAnswer', () => {
  it('runs while the provider may send more manifests, even when every import is done', () => {
    const answer = submitStatusAnswer(submission('in-progress', 'j1'), new Map([['j1', completed(0)]]), NOW);
    expect(answer).toEqual({
      state: 'running',
      progress: 'Submission awaiting more manifests; 1 of 1 manifests imported, 3 resources',
    });
  });

  it('is done once completed and every import finished, listing each error file under its manifest', () => {
    const answer = submitStatusAnswer(submission('completed', 'j1'), new Map([['j1', completed(2)]]), NOW);
    expect(answer).toMatchObject({
      state: 'done',
      manifest: {
        submissionId: 's1',
        transactionTime: NOW.toISOString(),
        output: [],
        outcome: [
          {
            url: 'https://errors.example',
            manifestUrl: 'https://provider.example/j1.json',
            countSeverity: [{ code: 'error', count: 2 }],
          },
        ],
      },
    });
  });

  it('answers stopped for a stopped submission, whatever its imports did', () => {
    expect(submitStatusAnswer(submission('stopped', 'j1'), new Map([['j1', completed(0)]]), NOW)).toEqual({
      state: 'stopped',
    });
  });

  it('names the manifest whose import failed, and whether its files were at fault', () => {
    const jobs = new Map<string, ImportJobStatus>([
      ['j1', completed(0)],
      ['j2', { state: 'failed', message: 'the object changed', clientFault: true }],
    ]);
    expect(submitStatusAnswer(submission('completed', 'j1', 'j2'), jobs, NOW)).toEqual({
      state: 'failed',
      manifestUrl: 'https://provider.example/j2.json',
      message: 'the object changed',
      clientFault: true,
    });
  });

  it('names the manifest whose import job is gone as lost', () => {
    const jobs = new Map<string, ImportJobStatus>([['j1', { state: 'gone' }]]);
    expect(submitStatusAnswer(submission('completed', 'j1', 'j2'), jobs, NOW)).toEqual({
      state: 'lost',
      manifestUrl: 'https://provider.example/j1.json',
    });
  });
});
