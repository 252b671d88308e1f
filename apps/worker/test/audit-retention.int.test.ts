import type { FhirResource } from '@fhir-bulk/fhir';
import { bulkLoad, tenantCollections } from '@fhir-bulk/store';
import { bulkSubtype } from '@fhir-bulk/audit';
import {
  type BulkStack,
  startBulkStack,
  storeAuditEvents,
  type StoredAuditFacts,
  testAuditEvent,
  testResource,
} from '@fhir-bulk/test-support';
import { randomUUID } from 'node:crypto';
import { RETENTION_WORKFLOW } from '../src/retention-schedule';

/**
 * AuditEvents are kept AUDIT_RETENTION_DAYS (default 2,190: six years) from their `recorded` time; the retention
 * schedule's workflow then deletes them, current and history documents, in every tenant, and nothing else.
 */
let stack: BulkStack;
beforeAll(async () => {
  stack = await startBulkStack();
});
afterAll(() => stack?.stop());

const DAY_MS = 24 * 3600 * 1000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY_MS).toISOString();
const CLIENT = randomUUID();

/** `count` token events recorded `days` ago, ids `${prefix}-${n}`. */
const events = (prefix: string, count: number, recorded: string): StoredAuditFacts[] =>
  Array.from({ length: count }, (_, n) => ({
    id: `${prefix}-${n}`,
    clientId: CLIENT,
    type: 'authentication',
    subtype: bulkSubtype('token-issued'),
    recorded,
  }));

/** The `_id`s stored in `collection` (`AuditEvent`, `AuditEvent_history`…) of every tenant. */
async function idsIn(collection: string): Promise<string[]> {
  const ids: string[] = [];
  for (const { name } of await tenantCollections(stack.store.db)) {
    if (!name.endsWith(`.${collection}`)) continue;
    const docs = stack.store.db.collection<{ _id: string }>(name).find({}, { projection: { _id: 1 } });
    for await (const doc of docs) ids.push(doc._id);
  }
  return ids.sort();
}

const runRetention = () =>
  stack.client.workflow.execute<() => Promise<number>>(RETENTION_WORKFLOW, {
    taskQueue: stack.config.TEMPORAL_TASK_QUEUE,
    workflowId: `audit-retention-${randomUUID()}`,
    args: [],
  });

describe('the retention of AuditEvents', () => {
  it('purges, in every tenant, the events recorded before AUDIT_RETENTION_DAYS and their history; keeps the rest', async () => {
    expect(stack.config.AUDIT_RETENTION_DAYS).toBe(2190);
    // More old events than one delete batch (500), in two tenants.
    await storeAuditEvents(stack.store, 'default', events('old', 700, daysAgo(2200)));
    await storeAuditEvents(stack.store, 'other', events('old', 400, '2019-01-01T00:00:00+01:00'));
    const kept = [...events('recent', 3, daysAgo(1)), ...events('five-years', 2, daysAgo(5 * 365))];
    await storeAuditEvents(stack.store, 'default', kept);
    await storeAuditEvents(stack.store, 'other', events('recent', 2, daysAgo(0)));
    // A second version of an old event: its first version is in AuditEvent_history.
    const rewritten = { ...testAuditEvent('default', events('old', 1, daysAgo(2200))[0]!), outcome: '4' as const };
    expect((await bulkLoad(stack.store, 'default', [rewritten])).updated).toBe(1);
    expect(await idsIn('AuditEvent_history')).toEqual(['default/old-0/1']);
    // Other types, one of them with an old `recorded` of its own, are no business of the audit retention.
    const provenance = {
      resourceType: 'Provenance',
      id: 'prov-old',
      target: [{ reference: 'Patient/p1' }],
      recorded: daysAgo(4000),
      agent: [{ who: { reference: `Device/${CLIENT}` } }],
    };
    const others = [testResource('Patient', 'p1'), testResource('Observation', 'o1'), provenance] as FhirResource[];
    await bulkLoad(stack.store, 'default', others);

    // The stack's own client has tokens by now, and the trail records them (recorded now: kept).
    await stack.audit.flush();
    const before = await idsIn('AuditEvent');
    const started = Date.now();
    const purged = await runRetention();
    const seconds = (Date.now() - started) / 1000;

    expect(purged).toBe(700 + 400 + 1); // the current documents and the one history version; no job expired
    const expired = (id: string) => /^(default|other)\/old-/.test(id);
    expect(before.filter(expired)).toHaveLength(1100);
    expect(await idsIn('AuditEvent')).toEqual(before.filter((id) => !expired(id)));
    expect(await idsIn('AuditEvent')).toEqual(
      expect.arrayContaining([...kept.map((e) => `default/${e.id}`), 'other/recent-0', 'other/recent-1']),
    );
    expect(await idsIn('AuditEvent_history')).toEqual([]);
    expect(await idsIn('Patient')).toEqual(['default/p1']);
    expect(await idsIn('Observation')).toEqual(['default/o1']);
    expect(await idsIn('Provenance')).toEqual(['default/prov-old']);
    // Run time of the whole retention workflow for 1,100 expired among 1,107 events (printed for the record).
    console.info(`retention purged ${purged} AuditEvent documents in ${seconds.toFixed(2)} s`);

    const left = await idsIn('AuditEvent');
    expect(await runRetention()).toBe(0);
    expect(await idsIn('AuditEvent')).toEqual(left);
  });
});
