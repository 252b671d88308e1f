import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * docs/architecture.md's map says what each package and app may import; this holds the code to it, so the map
 * stays true and a new import that runs back up the layers is a decision made in the map, not by accident.
 */
const root = resolve(__dirname, '../../..');
const ANY = new Set(['anything']);

interface Row {
  dir: string;
  allowed: Set<string>;
}

function mapRows(): Row[] {
  const rows: Row[] = [];
  const lines = readFileSync(join(root, 'docs/architecture.md'), 'utf8').split('\n');
  for (const line of lines) {
    const cells = line.split('|').map((cell) => cell.trim());
    const dir = /^`((?:packages|apps)\/[a-z-]+)`$/.exec(cells[1] ?? '')?.[1];
    if (!dir) continue;
    rows.push({ dir, allowed: allowedBy(cells[3] ?? '', rows) });
  }
  return rows;
}

const packageName = (dir: string) => dir.split('/')[1]!;
const backticked = (text: string) => [...text.matchAll(/`([a-z-]+)`/g)].map((match) => match[1]!);

function allowedBy(cell: string, above: Row[]): Set<string> {
  if (cell === 'anything') return ANY;
  if (cell.startsWith('every package above but')) {
    const except = new Set(backticked(cell));
    return new Set(above.map((row) => packageName(row.dir)).filter((name) => !except.has(name)));
  }
  return new Set(backticked(cell));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

const specifiers = (source: string) =>
  [...source.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^import\s+)'([^']+)'/gm)].map((m) => m[1]!);

describe('the architecture map', () => {
  const rows = mapRows();

  it('has a row for every package and app', () => {
    const onDisk = ['packages', 'apps'].flatMap((top) =>
      readdirSync(join(root, top), { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => `${top}/${entry.name}`),
    );
    expect(rows.map((row) => row.dir).sort()).toEqual(onDisk.sort());
  });

  it.each(mapRows().map((row) => [row.dir, row] as const))('%s imports only what the map allows', (_dir, row) => {
    const breaches: string[] = [];
    const packageDir = join(root, row.dir);
    for (const file of sourceFiles(join(packageDir, 'src'))) {
      for (const specifier of specifiers(readFileSync(file, 'utf8'))) {
        const where = relative(root, file);
        const workspace = /^@fhir-bulk\/([a-z-]+)/.exec(specifier)?.[1];
        if (workspace && workspace !== packageName(row.dir) && row.allowed !== ANY && !row.allowed.has(workspace)) {
          breaches.push(`${where} imports @fhir-bulk/${workspace}`);
        }
        if (specifier.startsWith('.') && relative(packageDir, resolve(dirname(file), specifier)).startsWith('..')) {
          breaches.push(`${where} reaches outside its package: ${specifier}`);
        }
      }
    }
    expect(breaches).toEqual([]);
  });
});
