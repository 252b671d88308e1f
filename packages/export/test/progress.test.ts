import { type ExportProgress, type PartitionCheckpoint, progressText, runningProgress } from '../src';

const exporting = (byType: Record<string, number>, total = 0): ExportProgress => ({
  phase: 'exporting',
  total,
  byType,
});
const running = (type: string, written: number, kind: PartitionCheckpoint['kind'] = 'output'): PartitionCheckpoint => ({
  files: [],
  written,
  type,
  kind,
});

describe('runningProgress', () => {
  it("adds each running partition's count to its own type, and tombstone partitions to none", () => {
    const progress = runningProgress(exporting({ Patient: 10 }), [
      running('Patient', 5),
      running('Condition', 7),
      running('Condition', 3),
      running('Observation', 4, 'deleted'),
    ]);
    expect(progress.byType).toEqual({ Patient: 15, Condition: 10 });
  });

  it('leaves out a heartbeat without a type (an older worker) and a partition without a checkpoint yet', () => {
    const progress = runningProgress(exporting({ Patient: 2 }), [{ files: [], written: 9 }, undefined]);
    expect(progress.byType).toEqual({ Patient: 2 });
  });
});

describe('progressText', () => {
  it('gives the count per type and in all, and a percentage when the plan counted the resources', () => {
    expect(progressText(exporting({ Patient: 1000, Condition: 1974 }, 6000))).toBe(
      'Exporting 49%: 2974 of 6000 resources (Patient 1000, Condition 1974)',
    );
  });

  it('gives counts alone where the store could not count (FerretDB)', () => {
    expect(progressText(exporting({ Patient: 3 }))).toBe('Exporting: 3 resources written (Patient 3)');
    expect(progressText(exporting({}))).toBe('Exporting: 0 resources written');
  });

  it('never says 100% before the manifest', () => {
    expect(progressText(exporting({ Patient: 10 }, 10))).toBe('Exporting 99%: 10 of 10 resources (Patient 10)');
    expect(progressText({ phase: 'finalizing', total: 10, byType: { Patient: 10 } })).toBe('Writing manifest 99%');
  });
});
