import { importProgressText, type ImportProgress } from '../src';

const importing: ImportProgress = {
  phase: 'importing',
  files: 3,
  filesDone: 1,
  totalBytes: 4 * 1_048_576,
  bytesDone: 1_048_576,
  resources: 1200,
  errors: 2,
};

describe('importProgressText', () => {
  it('says files, bytes, resources and errors while importing', () => {
    expect(importProgressText(importing)).toBe('Importing 25%: 1 of 3 files, 1.0 of 4.0 MB, 1200 resources, 2 errors');
  });

  it('says how long a stalled file has not moved', () => {
    expect(importProgressText({ ...importing, stalledSeconds: 95 })).toBe(
      'Importing 25%: 1 of 3 files, 1.0 of 4.0 MB, 1200 resources, 2 errors; a file has made no progress for 95 s',
    );
  });

  it('says the phase before and after the files', () => {
    expect(importProgressText(undefined)).toBe('In progress');
    expect(importProgressText({ ...importing, phase: 'planning' })).toBe('Planning');
    expect(importProgressText({ ...importing, phase: 'finalizing' })).toBe(
      'Finishing: 1200 resources imported, 2 errors',
    );
  });
});
