import { buildWorkflowBundle, prebuiltWorkflowBundle } from '../src/workflow-bundle';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The prebuilt workflow bundle is used only when built from the sources as they are. */
describe('the prebuilt workflow bundle', () => {
  let dir: string;
  let built: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fhir-bulk-bundle-'));
    built = await buildWorkflowBundle(join(dir, 'bundle.js'));
  }, 120_000);

  it('is loaded when it was built from the current sources, stamped with every module it holds', async () => {
    const prebuilt = await prebuiltWorkflowBundle(built);
    expect(prebuilt).toEqual({ code: await readFile(built, 'utf8') });
    const stamp = JSON.parse(
      /^\/\* fhir-bulk workflow sources (\{.*?\}) \*\//.exec((prebuilt as { code: string }).code)![1]!,
    );
    expect(stamp.files).toEqual(
      expect.arrayContaining([
        'apps/worker/src/workflows/export-workflow.ts',
        'packages/workflow-contract/src/queries.ts',
        expect.stringMatching(/^node_modules\/@temporalio\/workflow\//),
      ]),
    );
  });

  it('is refused when a source changed since it was built', async () => {
    const stale = join(dir, 'stale.js');
    // As if export-workflow.ts had held other text: the recorded hash no longer matches the files.
    const code = await readFile(built, 'utf8');
    await writeFile(stale, code.replace(/"sha256":"[0-9a-f]{8}/, '"sha256":"00000000'));
    expect(await prebuiltWorkflowBundle(stale)).toEqual({ unusable: 'stale: its sources changed since it was built' });
  });

  it('is refused when it is missing or carries no stamp (built by an older release)', async () => {
    expect(await prebuiltWorkflowBundle(join(dir, 'none.js'))).toEqual({ unusable: 'missing' });
    const unstamped = join(dir, 'unstamped.js');
    await writeFile(unstamped, (await readFile(built, 'utf8')).replace(/^\/\*.*?\*\//, ''));
    expect(await prebuiltWorkflowBundle(unstamped)).toEqual({ unusable: 'not stamped with its sources' });
  });
});
