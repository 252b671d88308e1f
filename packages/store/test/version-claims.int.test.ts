import { connectTestServices, type TestServices } from '@fhir-bulk/test-support';
import { type CommandStartedEvent, MongoClient } from 'mongodb';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { bulkLoad, CLAIM_LEASE_MS, claimKey, ResourceStore, TENANTS_COLLECTION, TransactionRunner } from '../src';
import { counterOf, withCounter } from './counter';

let services: TestServices;
beforeAll(async () => {
  services = await connectTestServices();
});
afterAll(() => services.close());

function child(script: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', resolve(__dirname, script)], {
    env: { ...process.env, MONGODB_URL: services.config.MONGODB_URL, MONGODB_DB: services.config.MONGODB_DB, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
}

const claimsOf = (tenant: string) =>
  services.store.db
    .collection('resource_claims')
    .find({ _id: { $regex: `^Patient/${tenant}/` } as never })
    .toArray();

const patient = (id: string, gender: string) => ({ resourceType: 'Patient', id, gender });

describe('two processes racing updates of one resource', () => {
  it('lose no update: each successful write is the next version, every other attempt a version conflict', async () => {
    const tenant = 't-race';
    await services.store.write(tenant, withCounter({ resourceType: 'Patient', id: 'raced' }, 0));
    const env = { RACE_TENANT: tenant, RACE_ID: 'raced', WRITES: '40' };
    const racers = [child('race-updates.ts', env), child('race-updates.ts', env)];
    const lines = racers.map((racer) => createInterface({ input: racer.stdout! })[Symbol.asyncIterator]());
    for (const line of lines) expect((await line.next()).value).toBe('ready');
    for (const racer of racers) racer.stdin!.end('go\n');
    const results: Array<{ writes: number; conflicts: number; failures: string[] }> = [];
    for (const line of lines) results.push(JSON.parse((await line.next()).value as string));

    expect(results.flatMap((result) => result.failures)).toEqual([]);
    expect(results.map((result) => result.writes)).toEqual([40, 40]);
    expect(results[0]!.conflicts + results[1]!.conflicts).toBeGreaterThan(0); // they did race
    const versions = (await services.store.versions(tenant, 'Patient', 'raced', 1_000)).reverse();
    // Versions 1..81, each one's counter one above the last: no write replaced another's version.
    expect(versions.map((version) => version.versionId)).toEqual(Array.from({ length: 81 }, (_, i) => i + 1));
    expect(versions.map((version) => counterOf(version.resource))).toEqual(Array.from({ length: 81 }, (_, i) => i));
    expect(await claimsOf(tenant)).toEqual([]);
  });
});

describe('a writer killed while it holds a claim', () => {
  it.each(['claim', 'archive'])('after its %s leaves the resource writable once its lease has run out', async (at) => {
    const tenant = `t-die-${at}`;
    await services.store.write(tenant, patient('p', 'female'));
    const dead = child('die-holding-claim.ts', { DIE_TENANT: tenant, DIE_ID: 'p', KILL_AT: at });
    const [, signal] = (await once(dead, 'exit')) as [number | null, string | null];
    expect(signal).toBe('SIGKILL');

    const update = (store: ResourceStore) => store.write(tenant, patient('p', 'male'), { ifMatch: 1 });
    // Within the lease its claim stands: the write lost a race (409), its If-Match was right.
    await expect(update(services.store)).rejects.toMatchObject({ name: 'VersionConflictError', precondition: false });
    const later = new ResourceStore(services.store.db, () => new Date(Date.now() + CLAIM_LEASE_MS + 1_000));
    expect((await update(later)).doc.versionId).toBe(2);
    const versions = await later.versions(tenant, 'Patient', 'p', 10);
    expect(versions.map((v) => [v.versionId, v.resource.gender])).toEqual([
      [2, 'male'],
      [1, 'female'],
    ]);
    expect(await claimsOf(tenant)).toEqual([]);
  });

  it('after its replace leaves a claim that stands in no later write', async () => {
    const tenant = 't-die-replaced';
    const { doc } = await services.store.write(tenant, patient('p', 'female'));
    await services.store.write(tenant, patient('p', 'male'), { ifMatch: 1 });
    // What a writer killed between its replace and its release leaves: its claim on the version now current.
    const left = { _id: claimKey('Patient', doc._id, 2), owner: 'dead', expiresAt: new Date(Date.now() + 60_000) };
    await services.store.db.collection('resource_claims').insertOne(left as never);
    expect((await services.store.write(tenant, patient('p', 'other'), { ifMatch: 2 })).doc.versionId).toBe(3);
  });
});

/** The filters a command applies to documents, but in the transaction journal (read by expiry at recovery). */
function resourceFilters({ commandName, command }: CommandStartedEvent): Array<{ on: string; filter: unknown }> {
  const on = command[commandName] as string;
  if (on === 'transaction_journal') return [];
  const statements = (key: string, filter: string) =>
    (command[key] as Array<Record<string, unknown>>).map((s) => ({ on, filter: s[filter] }));
  switch (commandName) {
    case 'find':
      return [{ on, filter: command.filter as unknown }];
    case 'update':
      return statements('updates', 'q');
    case 'delete':
      return statements('deletes', 'q');
    case 'findAndModify':
      return [{ on, filter: command.query as unknown }];
    case 'count':
    case 'aggregate':
    case 'distinct':
      return [{ on, filter: commandName }];
    default:
      return [];
  }
}

const byIdAlone = (filter: unknown) =>
  typeof filter === 'object' &&
  filter !== null &&
  Object.keys(filter).length === 1 &&
  typeof (filter as { _id?: unknown })._id === 'string';

describe('writes on FerretDB', () => {
  let opened: MongoClient | undefined;
  // Closed even when an assertion fails: a client left open keeps jest from exiting after the run.
  afterEach(() => opened?.close());

  it('find, update and delete resources, their history and claims by {_id: <string>} alone', async () => {
    const monitored = (opened = new MongoClient(services.config.MONGODB_URL, { monitorCommands: true }));
    await monitored.connect();
    const store = new ResourceStore(monitored.db(services.config.MONGODB_DB));
    const runner = await TransactionRunner.create(store, monitored);
    const tenant = 't-by-id';
    const commands: CommandStartedEvent[] = [];
    monitored.on('commandStarted', (event) => commands.push(event));

    // REST: create, update with If-Match, a stale If-Match, delete.
    await store.write(tenant, patient('rest', 'female'));
    await store.write(tenant, patient('rest', 'male'), { ifMatch: 1 });
    await expect(store.write(tenant, patient('rest', 'other'), { ifMatch: 1 })).rejects.toMatchObject({
      precondition: true,
    });
    await store.delete(tenant, 'Patient', 'rest', { ifMatch: 2 });
    // IncrementalLoad: a resource that exists with other content gets a new version.
    await bulkLoad(store, tenant, [patient('loaded', 'female')]);
    await bulkLoad(store, tenant, [patient('loaded', 'male')]);
    // A transaction, and one rolled back after its second write.
    await runner.run(tenant, [{ type: 'Patient', id: 'tx', resource: patient('tx', 'female') }]);
    const failing = await TransactionRunner.create(store, monitored, {
      afterOp: (index) => {
        if (index === 1) throw new Error('simulated fault');
      },
    });
    const ops = [patient('tx', 'male'), patient('tx-new', 'male')].map((r) => ({
      type: 'Patient',
      id: r.id,
      resource: r,
    }));
    await expect(failing.run(tenant, ops)).rejects.toThrow('simulated fault');
    // A dead writer's expired claim, taken over.
    await services.store.db
      .collection('resource_claims')
      .insertOne({ _id: claimKey('Patient', `${tenant}/tx`, 2), owner: 'dead', expiresAt: new Date(0) } as never);
    await store.write(tenant, patient('tx', 'other'), { ifMatch: 1 });
    monitored.removeAllListeners('commandStarted');

    const filters = commands.flatMap(resourceFilters);
    const collections = [
      store.collection(tenant, 'Patient').collectionName,
      store.history(tenant, 'Patient').collectionName,
    ];
    // The tenant's FHIR version is read once, by `_id` too.
    expect(new Set(filters.map((f) => f.on))).toEqual(new Set([...collections, 'resource_claims', TENANTS_COLLECTION]));
    expect(commands.some((c) => c.commandName === 'update' && c.command.update === collections[0])).toBe(true);
    expect(commands.some((c) => c.commandName === 'delete' && c.command.delete === collections[1])).toBe(true);
    expect(filters.filter((f) => !byIdAlone(f.filter))).toEqual([]);
    // What the writes did.
    const tx = await store.versions(tenant, 'Patient', 'tx', 10);
    expect(tx.map((v) => [v.versionId, v.resource.gender])).toEqual([
      [2, 'other'],
      [1, 'female'],
    ]);
    expect(await store.read(tenant, 'Patient', 'tx-new')).toBeNull();
    expect((await store.read(tenant, 'Patient', 'loaded'))?.resource.gender).toBe('male');
  });
});
