/**
 * The Bulk Data manifest as a client reads it, and the check of downloaded files against it (pure, unit-tested).
 */
export interface ManifestEntry {
  type?: string;
  url: string;
  count?: number;
}

export interface Manifest {
  transactionTime: string;
  request: string;
  requiresAccessToken: boolean;
  outputOrganizedBy?: string;
  output: ManifestEntry[];
  deleted?: ManifestEntry[];
  error?: ManifestEntry[];
  link?: Array<{ relation: string; url: string }>;
}

export type FileKind = 'output' | 'deleted' | 'error';

export interface ManifestFile {
  kind: FileKind;
  entry: ManifestEntry;
  /** The local file name: the last segment of its URL. */
  name: string;
}

export const fileNameOf = (url: string) => decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');

/** Every file a manifest lists (outputs, deleted, errors), each under the name it is saved as. */
export function manifestFiles(manifest: Manifest): ManifestFile[] {
  const kinds: FileKind[] = ['output', 'deleted', 'error'];
  const files = kinds.flatMap((kind) =>
    (manifest[kind] ?? []).map((entry) => ({ kind, entry, name: fileNameOf(entry.url) })),
  );
  const names = new Set<string>();
  for (const { name } of files) {
    if (name === '' || name === 'manifest.json' || names.has(name))
      throw new Error(`the manifest names a file "${name}" twice or unusably`);
    names.add(name);
  }
  return files;
}

/** Pages of a partial manifest (`allowPartialManifests`) joined into one, as `manifest.json` is written. */
export function joinPages(pages: Manifest[]): Manifest {
  const [first, ...rest] = pages;
  if (!first) throw new Error('no manifest');
  const joined: Manifest = {
    ...first,
    output: [...first.output],
    deleted: [...(first.deleted ?? [])],
    error: [...(first.error ?? [])],
  };
  for (const page of rest) {
    joined.output.push(...page.output);
    joined.deleted!.push(...(page.deleted ?? []));
    joined.error!.push(...(page.error ?? []));
  }
  delete joined.link;
  return joined;
}

export const nextPage = (manifest: Manifest) => manifest.link?.find((link) => link.relation === 'next')?.url;

/**
 * Whether an NDJSON line counts toward its entry's `count`: with `organizeOutputBy` the `header` Parameters that
 * open each patient's block are not counted (IG 3.0.0), every other non-empty line is one resource.
 */
export function countsAsResource(line: string, organized: boolean): boolean {
  if (line.trim() === '') return false;
  return !(
    organized &&
    /^\{\s*"resourceType"\s*:\s*"Parameters"\s*,\s*"parameter"\s*:\s*\[\s*\{\s*"name"\s*:\s*"header"/.test(line)
  );
}

/** The files whose counted lines differ from the manifest's `count`; entries without a count are not checked. */
export function countMismatches(files: ManifestFile[], counted: ReadonlyMap<string, number>): string[] {
  return files.flatMap(({ entry, name }) => {
    const lines = counted.get(name);
    if (entry.count === undefined || lines === undefined || lines === entry.count) return [];
    return [`${name}: ${lines} resources, the manifest says ${entry.count}`];
  });
}
