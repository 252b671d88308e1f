import type { ManifestOutput } from '@fhir-bulk/export';
import { type BulkStack, type ExportedLine, startBulkStack } from '@fhir-bulk/test-support';
import { compartmentsOf, type KickoffLevel, LEVELS, seedClinic } from './levels';
import { type Completed, download, exportCompleted } from './protocol';

/**
 * Bulk Data Access IG 3.0.0, `organizeOutputBy=Patient`: the manifest and the resource blocks of each file, at each
 * kick-off level (https://hl7.org/fhir/uv/bulkdata/STU3/export.html#bulk-data-output-file-organization). Files
 * of at most 4 resources, so the clinic's blocks spread over several files.
 */
let stack: BulkStack;
const exports = new Map<KickoffLevel['name'], Completed>();
beforeAll(async () => {
  stack = await startBulkStack({
    env: { EXPORT_MAX_CONCURRENT_PER_TENANT: '100', EXPORT_FILE_MAX_RECORDS: 'Patient=4' },
  });
  const base = await seedClinic(stack, 'organized');
  await Promise.all(
    LEVELS.map(async (level) =>
      exports.set(level.name, await exportCompleted(stack, `${base}${level.path}?organizeOutputBy=Patient`)),
    ),
  );
});
afterAll(() => stack.stop());

interface Block {
  patient: string;
  /** `Type/id` of the block's resources after its header. */
  refs: string[];
  lines: ExportedLine[];
}

/** Splits a file into its resource blocks; throws if a line comes before any header. */
function blocksOf(lines: readonly ExportedLine[]): Block[] {
  const blocks: Block[] = [];
  for (const line of lines) {
    if (line.resourceType === 'Parameters') {
      const [header, ...more] = line.parameter as Array<{ name: string; valueReference?: { reference?: string } }>;
      expect({ more, name: header?.name }).toEqual({ more: [], name: 'header' });
      blocks.push({ patient: header!.valueReference!.reference!, refs: [], lines: [] });
      continue;
    }
    if (blocks.length === 0) throw new Error(`${line.resourceType}/${line.id} comes before any header`);
    blocks.at(-1)!.refs.push(`${line.resourceType}/${line.id}`);
    blocks.at(-1)!.lines.push(line);
  }
  return blocks;
}

describe.each(LEVELS)('$name level', (level) => {
  const completed = () => exports.get(level.name)!;
  const filesOf = async () => {
    const { manifest } = completed();
    const files: Array<{ entry: ManifestOutput; lines: ExportedLine[] }> = [];
    for (const entry of manifest.output) files.push({ entry, lines: (await download(stack, manifest, entry)).lines });
    return files;
  };

  it('OB-01 outputOrganizedBy: the organizeOutputBy value (required when populated)', () => {
    expect(completed().manifest.outputOrganizedBy).toBe('Patient');
  });

  it('OB-02 output items: url populated (SHALL), type not populated (SHALL NOT)', () => {
    const { output } = completed().manifest;
    expect(output.length).toBeGreaterThan(1);
    for (const entry of output) {
      expect(entry.url).toMatch(/^https?:\/\//);
      expect(entry).not.toHaveProperty('type');
    }
  });

  it('OB-03 blocks: a header Parameters naming a Patient, that Patient, then resources referencing it (SHALL)', async () => {
    const started = new Set<string>();
    for (const { lines } of await filesOf()) {
      for (const block of blocksOf(lines)) {
        // A block continued in another file goes on there after its repeated header, without the Patient again.
        if (!started.has(block.patient)) expect(block.refs[0]).toBe(block.patient);
        started.add(block.patient);
        for (const resource of block.lines.filter((line) => `${line.resourceType}/${line.id}` !== block.patient)) {
          expect(JSON.stringify(resource)).toContain(`"reference":"${block.patient}"`);
        }
      }
    }
  });

  it('OB-04 count: the resources of the file, the header Parameters not counted', async () => {
    for (const { entry, lines } of await filesOf()) {
      expect(lines.filter((line) => line.resourceType !== 'Parameters')).toHaveLength(entry.count);
    }
  });

  it('OB-05 a block SHOULD NOT be split across files; if it is, its header repeats and continuesInFile says where (SHALL)', async () => {
    const files = await filesOf();
    const seen = new Map<string, ManifestOutput>();
    for (const { entry, lines } of files) {
      for (const block of blocksOf(lines)) {
        const earlier = seen.get(block.patient);
        if (earlier) expect((earlier as { continuesInFile?: string }).continuesInFile).toBe(entry.url);
        seen.set(block.patient, entry);
      }
    }
  });

  // The IG does not say where a resource referencing several patients goes (Group/cohort names p1 and p2): this
  // server writes it once, in one of their blocks. Practitioner/dr references no patient: omitted, as the IG allows.
  it('OB-06 one block per patient of the level, from its compartment; every resource of the compartments once', async () => {
    const blocks = new Map<string, string[]>();
    for (const { lines } of await filesOf()) {
      for (const block of blocksOf(lines)) {
        blocks.set(block.patient, [...(blocks.get(block.patient) ?? []), ...block.refs]);
      }
    }
    expect([...blocks.keys()].sort()).toEqual(level.patients.map((id) => `Patient/${id}`));
    for (const [patient, refs] of blocks) {
      expect(compartmentsOf([patient.split('/')[1]!])).toEqual(expect.arrayContaining(refs));
    }
    expect([...blocks.values()].flat().sort()).toEqual(compartmentsOf(level.patients));
  });
});
