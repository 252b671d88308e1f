import type { SubmissionStore } from '@fhir-bulk/api/src/job-interfaces';
import type { Submission } from '@fhir-bulk/import';

/**
 * `$bulk-submit` submissions in memory, for route tests without MongoDB: saved, as SubmissionRecords saves them, only
 * over the revision a change was computed from; copies in and out, as a database returns.
 */
export class MemorySubmissions implements SubmissionStore {
  private readonly submissions = new Map<string, Submission>();

  async find(id: string): Promise<Submission | null> {
    const submission = this.submissions.get(id);
    return submission ? structuredClone(submission) : null;
  }

  async save(next: Submission): Promise<boolean> {
    if ((this.submissions.get(next._id)?.revision ?? 0) !== next.revision - 1) return false;
    this.submissions.set(next._id, structuredClone(next));
    return true;
  }
}
