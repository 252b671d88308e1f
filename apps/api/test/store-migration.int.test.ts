import { connectTestServices, freePort, startService, stackEnv, type TestServices } from '@fhir-bulk/test-support';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let services: TestServices;

beforeAll(async () => {
  services = await connectTestServices();
  // One document as the code before issue 18 stored it: a collection shared by every tenant, the resource nested.
  await services.store.db.collection('Patient').insertOne({
    _id: 'clinic/p1' as never,
    tenant: 'clinic',
    id: 'p1',
    versionId: 1,
    lastUpdated: new Date(),
    deleted: false,
    resource: { resourceType: 'Patient', id: 'p1', meta: { versionId: '1' } },
    search: {},
    compartments: ['Patient/p1'],
  });
});

afterAll(() => services.close());

describe('a store that still needs `npm run migrate`', () => {
  it.each(['api', 'worker'] as const)(
    'makes the %s refuse to start, naming the command',
    async (app) => {
      const logFile = join(await mkdtemp(join(tmpdir(), 'unmigrated-')), `${app}.log`);
      const env = { ...stackEnv(services), API_PORT: String(await freePort()) };
      const service = startService(app, env, { logFile });
      try {
        expect(await service.exited).toBe(1);
      } finally {
        await service.kill();
      }
      expect(readFileSync(logFile, 'utf8')).toContain('run `npm run migrate`');
    },
    120_000,
  );
});
