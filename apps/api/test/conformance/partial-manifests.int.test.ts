import type { ExportManifest } from '@fhir-bulk/export';
import { type BulkStack, pollUntilDone, refsOf, startBulkStack, waitFor } from '@fhir-bulk/test-support';
import { type GatedWorker, startGatedWorker } from '../gated-worker';
import { LEVELS, scopeOf, seedClinic } from './levels';
import { download, exportCompleted, kickoffAccepted, linesOf, STATUS_HEADERS } from './protocol';

/**
 * Bulk Data Access IG 3.0.0, `allowPartialManifests`: manifests paged through `link` (#manifest-link) and partial
 * manifests while the export runs (#response---in-progress-status), at each kick-off level. One file per resource
 * and two files per manifest page, so the clinic spans several pages.
 */
let stack: BulkStack;
let gated: GatedWorker;
let base = '';
beforeAll(async () => {
  stack = await startBulkStack({
    env: {
      EXPORT_MAX_CONCURRENT_PER_TENANT: '100',
      EXPORT_MANIFEST_PAGE_SIZE: '2',
      EXPORT_FILE_MAX_RECORDS: 'Patient=1,Observation=1',
    },
    inProcessWorker: false,
  });
  gated = await startGatedWorker(stack);
  base = await seedClinic(stack, 'partial');
});
afterAll(async () => {
  await gated?.stop();
  await stack?.stop();
});

/** The manifest without the fields a linked manifest may change ("apart from output, deleted and link"). */
const sameFields = ({ output: _o, deleted: _d, link: _l, ...rest }: ExportManifest) => rest;

const LENIENT = { Accept: 'application/fhir+json', Prefer: 'respond-async, handling=lenient' };

describe.each(LEVELS)('$name level', (level) => {
  const types = ['Patient', 'Observation'];

  it('PM-01 link: one next relation per page; every other field SHALL be the same on each page; every file once', async () => {
    // An unsupported parameter under lenient handling, so that `error` has a file to repeat.
    const path = `${base}${level.path}?_type=Patient,Observation&allowPartialManifests=true&_foo=bar`;
    const { manifest: first } = await exportCompleted(stack, path, { headers: LENIENT });
    expect(first.error).toHaveLength(1);
    const pages = [first];
    for (let page = first; page.link;) {
      expect(page.link).toEqual([{ relation: 'next', url: expect.stringMatching(/^https?:\/\//) }]);
      expect(pages.length).toBeLessThan(10);
      const response = await stack.fetch(page.link[0]!.url, { headers: STATUS_HEADERS });
      expect(response.status).toBe(200);
      page = (await response.json()) as ExportManifest;
      pages.push(page);
      expect(sameFields(page)).toEqual(sameFields(first));
    }
    expect(pages.length).toBeGreaterThan(1);
    const outputs = pages.flatMap((page) => page.output);
    expect(new Set(outputs.map((entry) => entry.url)).size).toBe(outputs.length);
    expect(refsOf(await linesOf(stack, first, outputs))).toEqual(scopeOf(level, types));
  });

  it('PM-02 without allowPartialManifests: one manifest with every file and no link', async () => {
    const { manifest } = await exportCompleted(stack, `${base}${level.path}?_type=Patient,Observation`);
    expect(manifest.link).toBeUndefined();
    expect(manifest.output).toHaveLength(scopeOf(level, types).length);
  });

  describe('in progress (#response---in-progress-status)', () => {
    let statusUrl = '';
    let partial: ExportManifest | undefined;

    it('PM-03 202 with a partial manifest (MAY), as application/json, listing only files available for retrieval (SHALL)', async () => {
      gated.hold('partial/Observation');
      statusUrl = await kickoffAccepted(
        stack,
        `${base}${level.path}?_type=Patient,Observation&allowPartialManifests=true`,
      );
      try {
        await waitFor(
          async () => {
            const response = await stack.fetch(statusUrl, { headers: STATUS_HEADERS });
            expect(response.status).toBe(202);
            const body = await response.text();
            if (body !== '') {
              expect(response.headers.get('content-type')).toMatch(/^application\/json/);
              partial = JSON.parse(body) as ExportManifest;
            }
            return partial !== undefined;
          },
          30_000,
          'a partial manifest',
        );
        for (const entry of partial!.output) await download(stack, partial!, entry);
      } finally {
        gated.release('partial/Observation');
      }
    });

    it('PM-04 once returned, the manifest SHALL NOT be altered in later responses, but for adding link', async () => {
      const done = await pollUntilDone(statusUrl, stack.fetch);
      expect(done.status).toBe(200);
      const { link: _link, ...returnedAgain } = (await done.json()) as ExportManifest;
      const { link: _partialLink, ...returned } = partial!;
      expect(returnedAgain).toEqual(returned);
    });
  });
});
