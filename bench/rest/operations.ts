import type { Send } from '../lib/services';
import { expectStatus, timed } from './request-loops';

/** One kind of request the benchmark measures, sent by `concurrency` loops back to back. */
export interface RestOperation {
  name: string;
  concurrency: number;
  /** Sends one request as loop `loop` and returns the latency that counts. */
  request(loop: number): Promise<number>;
}

/** Where the requests go and what they may name: every resource loaded, as `Type/id`. */
export interface RestTarget {
  /** The tenant's [base]. */
  baseUrl: string;
  send: Send;
  references: readonly string[];
  /** The Patients' ids, for searches by subject. */
  patients: readonly string[];
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

/** GET [base]/{type}/{id} of a random resource. */
export const readById = ({ baseUrl, send, references }: RestTarget): RestOperation => ({
  name: 'read',
  concurrency: 1,
  async request() {
    const reference = pick(references);
    const answer = await timed(`GET ${reference}`, () => send(`${baseUrl}/${reference}`));
    expectStatus(`GET ${reference}`, 200, answer);
    return answer.ms;
  },
});

/**
 * PUT [base]/{type}/{id} with If-Match of the version just read (the read is not timed), of a random resource;
 * with several writers, each updates only its own share of the resources (index modulo `writers`), so no update
 * meets a stale If-Match and every one is a real write. The change is an extension counting the updates, so each
 * PUT stores a new version.
 */
export function updateWithIfMatch({ baseUrl, send, references }: RestTarget, writers: number): RestOperation {
  let updates = 0;
  return {
    name: 'update',
    concurrency: writers,
    async request(loop) {
      const share = Math.floor(references.length / writers);
      const reference = references[loop + writers * Math.floor(Math.random() * share)]!;
      const url = `${baseUrl}/${reference}`;
      const current = await send(url);
      if (current.status !== 200) throw new Error(`GET ${reference} answered ${current.status}`);
      const resource = (await current.json()) as Record<string, unknown>;
      resource.extension = [{ url: 'urn:fhir-bulk:bench-rest', valueInteger: ++updates }];
      const answer = await timed(`PUT ${reference}`, () =>
        send(url, {
          method: 'PUT',
          headers: { 'Content-Type': 'application/fhir+json', 'If-Match': current.headers.get('etag') ?? '' },
          body: JSON.stringify(resource),
        }),
      );
      expectStatus(`PUT ${reference}`, 200, answer);
      return answer.ms;
    },
  };
}

/** GET [base]/{query}: the first page of a search, which answers with the page and the total. */
export const searchPage = (name: string, { baseUrl, send }: RestTarget, query: () => string): RestOperation => ({
  name,
  concurrency: 1,
  async request() {
    const url = `${baseUrl}/${query()}`;
    const answer = await timed(`GET ${url}`, () => send(url));
    expectStatus(`GET ${url}`, 200, answer);
    return answer.ms;
  },
});

/**
 * The searches measured, both first pages of 50: Patients by gender (half of them match: the page fills at once,
 * the total counts thousands) and one random Patient's Observations (a few dozen match among all Observations,
 * the largest type): a client listing a patient's results.
 */
export const SEARCHES = (target: RestTarget): RestOperation[] => [
  searchPage('search Patient?gender', target, () => 'Patient?gender=female&_count=50'),
  searchPage(
    'search Observation?subject',
    target,
    () => `Observation?subject=Patient/${pick(target.patients)}&_count=50`,
  ),
];
