import type { FhirResource } from '@fhir-bulk/fhir';
import type { ClientSession, MongoClient } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { historyKey, toDocument } from './resource-document';
import type { ResourceDocument } from './resource-document';
import type { ResourceStore } from './resource-store';
import { detectServer } from './server-kind';

/** One write of a transaction: a resource to write, or (without `resource`) a delete. */
export interface TransactionOp {
  type: string;
  id: string;
  resource?: FhirResource & { id: string };
  ifMatch?: number;
}

export interface OpOutcome {
  doc: ResourceDocument | null;
  created: boolean;
}

interface JournalOp {
  type: string;
  id: string;
  /** The version before the transaction; 0 when the resource did not exist. */
  from: number;
}

interface Journal {
  _id: string;
  tenant: string;
  state: 'pending';
  expiresAt: Date;
  ops: JournalOp[];
}

export interface TransactionOptions {
  /** How long a transaction may take before recovery treats its writer as dead and rolls it back. */
  leaseMs?: number;
  /** Test hook run after each applied op: throwing (or killing the process) simulates a fault midway. */
  afterOp?: (index: number) => Promise<void> | void;
}

const JOURNAL = 'transaction_journal';

/**
 * A rollback waits for other writers of a resource to finish (each holds it for one write, milliseconds) this many
 * times, this long apart, before it leaves the journal to a later `recover`.
 */
const RESTORE_ATTEMPTS = 20;
const RESTORE_RETRY_MS = 50;

/**
 * All-or-nothing multi-resource writes (transaction Bundles). On MongoDB replica sets and mongos this is a real
 * MongoDB transaction. FerretDB v1 has none, so there the writer first journals each target's current version,
 * then applies the writes with If-Match on exactly those versions; any failure restores them. A writer killed
 * midway leaves its journal behind, and `recover` (run at API start and before each transaction) rolls back
 * journals whose lease has expired. Readers can see a transaction's writes while it is being applied (no
 * isolation on FerretDB), but never a partial transaction once it has ended, either way.
 */
export class TransactionRunner {
  private constructor(
    private readonly store: ResourceStore,
    private readonly client: MongoClient,
    readonly native: boolean,
    private readonly options: TransactionOptions,
  ) {}

  static async create(
    store: ResourceStore,
    client: MongoClient,
    options: TransactionOptions = {},
  ): Promise<TransactionRunner> {
    return new TransactionRunner(store, client, (await detectServer(store.db)).transactions, options);
  }

  async run(tenant: string, ops: readonly TransactionOp[]): Promise<OpOutcome[]> {
    if (this.native) {
      return this.client.withSession((session) => session.withTransaction(() => this.apply(tenant, ops, session)));
    }
    await this.recover();
    const journal: Journal = {
      _id: randomUUID(),
      tenant,
      state: 'pending',
      expiresAt: new Date(Date.now() + (this.options.leaseMs ?? 60_000)),
      ops: [],
    };
    for (const op of ops) {
      journal.ops.push({
        type: op.type,
        id: op.id,
        from: (await this.store.read(tenant, op.type, op.id))?.versionId ?? 0,
      });
    }
    await this.journal().insertOne(journal);
    try {
      const outcomes = await this.apply(
        tenant,
        ops.map((op, i) => ({ ...op, ifMatch: op.ifMatch ?? journal.ops[i]!.from })),
      );
      const { deletedCount } = await this.journal().deleteOne({ _id: journal._id });
      if (deletedCount === 0) throw new Error('transaction took longer than its lease and was rolled back');
      return outcomes;
    } catch (error) {
      await this.rollback(journal, new Date());
      throw error;
    }
  }

  /** Rolls back every journal whose writer has outlived its lease (a crashed or killed process). */
  async recover(now = new Date()): Promise<number> {
    const expired = await this.journal()
      .find({ expiresAt: { $lt: now } })
      .toArray();
    for (const journal of expired) await this.rollback(journal, now);
    return expired.length;
  }

  private async apply(tenant: string, ops: readonly TransactionOp[], session?: ClientSession): Promise<OpOutcome[]> {
    const outcomes: OpOutcome[] = [];
    for (const [index, op] of ops.entries()) {
      const options = { ifMatch: op.ifMatch, session };
      if (op.resource) {
        const { doc, created } = await this.store.write(tenant, op.resource, options);
        outcomes.push({ doc, created });
      } else {
        outcomes.push({ doc: await this.store.delete(tenant, op.type, op.id, options), created: false });
      }
      await this.options.afterOp?.(index);
    }
    return outcomes;
  }

  /** Puts every journaled resource back at its `from` version, newest op first, then drops the journal. */
  private async rollback(journal: Journal, now: Date): Promise<void> {
    for (const op of [...journal.ops].reverse()) await this.restore(journal.tenant, op, now);
    await this.journal().deleteOne({ _id: journal._id });
  }

  /**
   * Puts one resource back at its `from` version and drops every version archived since (all of them this
   * transaction's, or written over it), all by `_id`: the versions above `from` while the current document still
   * names the newest, `from` itself last, once it is current again. A rollback cut short anywhere is redone whole.
   */
  private async restore(tenant: string, op: JournalOp, now: Date): Promise<void> {
    const history = this.store.history(tenant, op.type);
    for (let attempt = 1; ; attempt++) {
      const current = await this.store.read(tenant, op.type, op.id);
      if (!current || current.versionId <= op.from) break;
      const previous = op.from > 0 ? await this.store.readVersion(tenant, op.type, op.id, op.from) : null;
      const version = await this.store.tenantVersions.versionOf(tenant);
      const restored = previous
        ? toDocument(tenant, { ...previous.resource, id: op.id }, previous, version)
        : undefined;
      const dropNewer = async () => {
        for (let version = current.versionId; version > op.from; version--) {
          await history.deleteOne({ _id: historyKey(tenant, op.id, version) });
        }
      };
      const swap = { expected: current, replacement: restored, before: dropNewer };
      if (await this.store.swapCurrent(op.type, swap, { now })) break;
      if (attempt === RESTORE_ATTEMPTS) throw new Error(`${op.type}/${op.id}: other writers kept it from rollback`);
      await sleep(RESTORE_RETRY_MS);
    }
    if (op.from > 0) await history.deleteOne({ _id: historyKey(tenant, op.id, op.from) });
  }

  private journal() {
    return this.store.db.collection<Journal>(JOURNAL);
  }
}
