import { connectTestServices, type TestServices, writeLegacyStore } from '@fhir-bulk/test-support';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { assertMigrated, legacyCollections, migrateStore, ResourceStore, StoreNeedsMigrationError } from '../src';

let services: TestServices;

beforeAll(async () => {
  services = await connectTestServices();
});

afterAll(() => services.close());

const patient = (id: string, n: number) => ({
  resourceType: 'Patient',
  id,
  gender: n % 2 ? 'male' : 'female',
  name: [{ family: `F${n}`, given: [`G${n}`, 'x'] }],
  birthDate: `19${String(n % 100).padStart(2, '0')}-01-02`,
});
const observation = (id: string, n: number) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
  subject: { reference: `Patient/p${n % 50}` },
  valueQuantity: { value: n + 0.5, unit: 'bpm' },
});

/** Tenants differing only in case must stay apart (collection names are case-sensitive; database names are not). */
const TENANTS = ['Clinic', 'clinic'] as const;
const PATIENTS = 120;
const OBSERVATIONS = 90;

function killedMigration(killAt: string): Promise<NodeJS.Signals | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(__dirname, 'migrate-midway.ts')], {
    env: {
      ...process.env,
      MONGODB_URL: services.config.MONGODB_URL,
      MONGODB_DB: services.config.MONGODB_DB,
      KILL_AT: killAt,
    },
    stdio: 'inherit',
  });
  return new Promise((done) => child.on('exit', (_code, signal) => done(signal)));
}

describe('npm run migrate', () => {
  it('finds nothing to do on a fresh store', async () => {
    const db = services.mongo.db(`${services.config.MONGODB_DB}_fresh`);
    await expect(assertMigrated(db)).resolves.toBeUndefined();
    expect(await migrateStore(db)).toEqual({ moved: 0 });
  });

  it('gives a ViewDefinition the search keys its search read from the nested resource before', async () => {
    const db = services.mongo.db(`${services.config.MONGODB_DB}_views`);
    const view = { resourceType: 'ViewDefinition', id: 'v1', name: 'patient_names', status: 'active', url: 'u:1' };
    const old = { _id: 'clinic/v1', tenant: 'clinic', id: 'v1', versionId: 1, lastUpdated: new Date(), deleted: false };
    await db.collection('ViewDefinition').insertOne({ ...old, resource: view, search: {}, compartments: [] } as never);
    try {
      await migrateStore(db);
      const stored = await new ResourceStore(db).collection('clinic', 'ViewDefinition').findOne({ _id: 'clinic/v1' });
      expect(stored?.search).toEqual({ name: ['patient_names'], url: ['u:1'], status: ['active'] });
      expect(JSON.parse(stored!.text)).toEqual(view);
    } finally {
      await db.dropDatabase();
    }
  });

  it('moves an old store into per-tenant collections as text, converging after kills midway', async () => {
    const db = services.store.db;
    for (const [t, tenant] of TENANTS.entries()) {
      const patients = Array.from({ length: PATIENTS }, (_, n) => patient(`p${n}`, n + t));
      await writeLegacyStore(db, tenant, patients, { versions: 2, deleted: ['p3', 'p7'] });
      const observations = Array.from({ length: OBSERVATIONS }, (_, n) => observation(`o${n}`, n + t));
      await writeLegacyStore(db, tenant, observations);
    }
    const expected = await oldContent();
    await expect(assertMigrated(db)).rejects.toThrow(StoreNeedsMigrationError);

    // Killed between a batch's copy and its delete, then after a delete: each rerun picks up where the last left.
    expect(await killedMigration('copied:3')).toBe('SIGKILL');
    expect(await killedMigration('deleted:5')).toBe('SIGKILL');
    await expect(assertMigrated(db)).rejects.toThrow(/npm run migrate/);
    const { moved } = await migrateStore(db);
    expect(moved).toBeGreaterThan(0);
    expect(moved).toBeLessThan(expected.size);

    expect(await legacyCollections(db)).toEqual([]);
    await expect(assertMigrated(db)).resolves.toBeUndefined();
    expect(await newContent()).toEqual(expected);
    const store = new ResourceStore(db);
    for (const [t, tenant] of TENANTS.entries()) {
      expect(await store.countCurrent(tenant, 'Patient')).toBe(PATIENTS - 2);
      expect(await store.countCurrent(tenant, 'Patient', { tombstones: true })).toBe(2);
      expect(await store.countCurrent(tenant, 'Observation')).toBe(OBSERVATIONS);
      expect((await store.read(tenant, 'Patient', 'p10'))?.resource.name).toEqual(patient('p10', 10 + t).name);
      const versions = await store.versions(tenant, 'Patient', 'p3', 10);
      expect(versions.map((v) => [v.versionId, v.deleted])).toEqual([
        [2, true],
        [1, false],
      ]);
      expect(versions[1]!.resource).toMatchObject(patient('p3', 3 + t));
    }
  });
});

/** Every old document by collection and `_id`, as `[fields…, resource as JSON]`. */
async function oldContent(): Promise<Map<string, string>> {
  const content = new Map<string, string>();
  for (const name of await legacyCollections(services.store.db)) {
    for await (const { resource, ...doc } of services.store.db.collection(name).find({})) {
      content.set(`${String(doc.tenant)} ${name} ${String(doc._id)}`, JSON.stringify([doc, JSON.stringify(resource)]));
    }
  }
  return content;
}

/** The same, read from the tenants' collections: the text field where the resource was. */
async function newContent(): Promise<Map<string, string>> {
  const content = new Map<string, string>();
  for (const { name } of await services.store.db.listCollections({}, { nameOnly: true }).toArray()) {
    const match = /^t\.([^.]+)\.(.+)$/.exec(name);
    if (!match) continue;
    for await (const { text, ...doc } of services.store.db.collection(name).find({})) {
      content.set(`${match[1]} ${match[2]} ${String(doc._id)}`, JSON.stringify([doc, text]));
    }
  }
  return content;
}
