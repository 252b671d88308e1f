import { createReadStream, readdirSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { createInterface } from 'node:readline';

/** One NDJSON file to import: where it is, the key it is uploaded under (relative to the upload prefix), its type. */
export interface ImportFile {
  path: string;
  name: string;
  type: string;
  size: number;
}

/**
 * The NDJSON files the arguments name: files as given, folders searched (recursively) for `*.ndjson`. Each file's
 * type is `type` when given, else the `resourceType` of its first line ($import takes one type per input file).
 */
export async function importFiles(paths: string[], type?: string): Promise<ImportFile[]> {
  const found: Array<{ path: string; name: string }> = [];
  for (const path of paths) {
    if (!statSync(path).isDirectory()) {
      found.push({ path, name: basename(path) });
      continue;
    }
    const entries = readdirSync(path, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.ndjson'))
      .map((entry) => join(entry.parentPath, entry.name))
      .sort();
    found.push(...entries.map((file) => ({ path: file, name: relative(path, file) })));
  }
  if (found.length === 0) throw new Error(`no .ndjson files in ${paths.join(', ')}`);
  const names = new Set<string>();
  const files: ImportFile[] = [];
  for (const { path, name } of found) {
    if (names.has(name)) throw new Error(`two files would be uploaded as ${name}: import them separately`);
    names.add(name);
    files.push({ path, name, type: type ?? (await firstResourceType(path)), size: statSync(path).size });
  }
  return files;
}

async function firstResourceType(path: string): Promise<string> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      if (line.trim() === '') continue;
      const type = (JSON.parse(line) as { resourceType?: unknown }).resourceType;
      if (typeof type !== 'string' || !/^[A-Z][A-Za-z]+$/.test(type)) throw new Error('no resourceType');
      return type;
    }
  } catch (error) {
    throw new Error(`${path}: its first line is not a FHIR resource (${(error as Error).message}); pass --type`, {
      cause: error,
    });
  } finally {
    lines.close();
  }
  throw new Error(`${path} is empty`);
}

/** The `$import` kick-off body (Bulk Data $import: Parameters with one `input` per file). */
export function importKickoffBody(inputs: Array<{ type: string; url: string }>, mode: string) {
  const input = ({ type, url }: { type: string; url: string }) => ({
    name: 'input',
    part: [
      { name: 'type', valueString: type },
      { name: 'url', valueUri: url },
    ],
  });
  return {
    resourceType: 'Parameters',
    parameter: [
      { name: 'inputFormat', valueString: 'application/fhir+ndjson' },
      { name: 'mode', valueString: mode },
      ...inputs.map(input),
    ],
  };
}
