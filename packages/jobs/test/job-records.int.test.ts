import { connectTestServices, type TestServices } from '@fhir-bulk/test-support';
import { JobRecords, type RecordedJob } from '../src';

let services: TestServices;
let records: JobRecords;
beforeAll(async () => {
  services = await connectTestServices();
  records = new JobRecords(services.mongo.db(services.config.MONGODB_DB), 'export');
});
afterAll(() => services.close());

const job = (jobId: string): RecordedJob => ({
  jobId,
  tenant: 't',
  requestedBy: 'client',
  requestUrl: '/$export',
  types: ['Patient'],
});
const metrics = { totalRecords: 3, fileCount: 1, totalSize: 10 };

describe('JobRecords on FerretDB', () => {
  // FerretDB v1 rewrites a whole document per update, so two writers of one record lose a write; on the code that
  // kept poll progress in the job record, most of these rounds ended with the job back at running.
  it('keeps a completion that races status polls raising the progress', async () => {
    const expiresAt = new Date('2026-12-08T00:00:00.000Z');
    for (let round = 0; round < 20; round++) {
      const jobId = `race-${round}`;
      await records.started(job(jobId), new Date());
      // One client's polls follow each other (the API throttles them); the worker's completion lands among them.
      const polls = (async () => {
        for (const n of [1, 2, 3, 4]) await records.progressAtLeast(jobId, { Patient: n * round });
      })();
      await Promise.all([polls, records.completed(job(jobId), metrics, new Date(), expiresAt)]);
      expect(await records.find(jobId)).toMatchObject({ status: 'completed', expiresAt, totalRecords: 3 });
      expect(await records.progressAtLeast(jobId, {})).toEqual({ Patient: 4 * round });
    }
  });

  // The API records the start at kick-off and the worker again when it plans; their upserts race on the new _id.
  it('records a start written by two writers at once, and once', async () => {
    const ids = Array.from({ length: 20 }, (_, round) => `twice-${round}-${Date.now()}`);
    const startTime = new Date('2026-12-07T10:00:00.000Z');
    await Promise.all(
      ids.flatMap((jobId) => [records.started(job(jobId), startTime), records.started(job(jobId), startTime)]),
    );
    for (const jobId of ids) expect(await records.find(jobId)).toMatchObject({ status: 'running', startTime });
  });

  // The bench:rest status pollers (no throttle) met this as a 500: E11000 on job_poll_progress.
  it('records the first progress of a job polled twice at once', async () => {
    const ids = Array.from({ length: 20 }, (_, round) => `first-poll-${round}-${Date.now()}`);
    await Promise.all(
      ids.flatMap((jobId) => [
        records.progressAtLeast(jobId, { Patient: 1 }),
        records.progressAtLeast(jobId, { Patient: 2 }),
      ]),
    );
    for (const jobId of ids) expect(await records.progressAtLeast(jobId, {})).toEqual({ Patient: 2 });
  });

  it('never lowers the progress a poll answered, and forgets it when the job is purged', async () => {
    await records.started(job('raised'), new Date());
    expect(await records.progressAtLeast('raised', { Patient: 5, Observation: 1 })).toEqual({
      Patient: 5,
      Observation: 1,
    });
    expect(await records.progressAtLeast('raised', { Patient: 2, Observation: 4 })).toEqual({
      Patient: 5,
      Observation: 4,
    });
    await records.purged('raised', 'deleted');
    expect(await records.progressAtLeast('raised', {})).toEqual({});
  });
});
