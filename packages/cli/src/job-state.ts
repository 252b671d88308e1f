import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What an export run keeps in its output folder so another run with `--resume` can go on where it stopped: the
 * job's status URL (written right after kick-off) and, per file, the ETag and size of the object being downloaded
 * (a partial file is resumed with `Range` only while the server still has the same object).
 */
export interface JobState {
  statusUrl: string;
  files: Record<string, { etag?: string; size?: number }>;
}

export const JOB_STATE_FILE = '.fhir-bulk-job.json';

export class JobStateFile {
  private constructor(
    private readonly path: string,
    readonly state: JobState,
  ) {}

  static create(dir: string, statusUrl: string): JobStateFile {
    const file = new JobStateFile(join(dir, JOB_STATE_FILE), { statusUrl, files: {} });
    file.save();
    return file;
  }

  static read(dir: string): JobStateFile {
    const path = join(dir, JOB_STATE_FILE);
    if (!existsSync(path)) throw new Error(`${dir} holds no export to resume (no ${JOB_STATE_FILE})`);
    return new JobStateFile(path, JSON.parse(readFileSync(path, 'utf8')) as JobState);
  }

  fileState(name: string) {
    return this.state.files[name];
  }

  setFile(name: string, value: { etag?: string; size?: number }): void {
    this.state.files[name] = value;
    this.save();
  }

  /** Written whole and renamed, synchronously: concurrent downloads never interleave a half-written file. */
  private save(): void {
    writeFileSync(`${this.path}.tmp`, `${JSON.stringify(this.state, null, 2)}\n`);
    renameSync(`${this.path}.tmp`, this.path);
  }
}
