import { connectTestServices, type TestServices } from '@fhir-bulk/test-support';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { fromStored, type TransactionOp, TransactionRunner } from '../src';

let services: TestServices;
beforeAll(async () => {
  services = await connectTestServices();
});
afterAll(() => services.close());

const put = (id: string, gender: string): TransactionOp => ({
  type: 'Patient',
  id,
  resource: { resourceType: 'Patient', id, gender },
});

async function snapshot(tenant: string) {
  const current = await services.store
    .collection(tenant, 'Patient')
    .find({ tenant })
    .sort({ _id: 1 })
    .map(fromStored)
    .toArray();
  const history = await services.store.history(tenant, 'Patient').find({ tenant }).sort({ _id: 1 }).toArray();
  return { current: current.map((d) => [d.id, d.versionId, d.resource.gender]), history: history.map((d) => d._id) };
}

describe('transactions on FerretDB (journal)', () => {
  it('uses the journal, since FerretDB has no transactions', async () => {
    expect((await TransactionRunner.create(services.store, services.mongo)).native).toBe(false);
  });

  it('leaves nothing behind when a write fails midway', async () => {
    await services.store.write('t-fault', { resourceType: 'Patient', id: 'existing', gender: 'female' });
    const before = await snapshot('t-fault');
    const runner = await TransactionRunner.create(services.store, services.mongo, {
      afterOp: (index) => {
        if (index === 2) throw new Error('simulated fault after the third write');
      },
    });
    await expect(
      runner.run('t-fault', [put('existing', 'male'), put('n1', 'male'), put('n2', 'other'), put('n3', 'other')]),
    ).rejects.toThrow('simulated fault');
    expect(await snapshot('t-fault')).toEqual(before);
  });

  it('rolls back the writes of a process killed midway once its lease expires', async () => {
    await services.store.write('t-kill', { resourceType: 'Patient', id: 'existing', gender: 'female' });
    const before = await snapshot('t-kill');
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(__dirname, 'kill-midway.ts')], {
      env: {
        ...process.env,
        MONGODB_URL: services.config.MONGODB_URL,
        MONGODB_DB: services.config.MONGODB_DB,
        KILL_AFTER_OP: '1',
      },
      stdio: 'inherit',
    });
    const signal = await new Promise((done) => child.on('exit', (_code, sig) => done(sig)));
    expect(signal).toBe('SIGKILL');
    // Killed after its second write: the first two writes are there, uncommitted.
    const partial = await snapshot('t-kill');
    expect(partial).not.toEqual(before);
    expect(partial.current).toContainEqual(['existing', 2, 'male']);

    const runner = await TransactionRunner.create(services.store, services.mongo);
    expect(await runner.recover(new Date())).toBe(0); // the dead writer's lease has not run out yet
    expect(await runner.recover(new Date(Date.now() + 120_000))).toBe(1);
    expect(await snapshot('t-kill')).toEqual(before);
  });
});
