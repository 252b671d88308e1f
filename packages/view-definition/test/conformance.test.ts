import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { compileView, type FhirJson, parseWithExactDecimals, type ViewRow } from '../src';

/**
 * The official SQL on FHIR v2 test suite (shared/conformance/sql-on-fhir-v2, beside the repository; see its
 * SOURCE.md), one test per case. Every `shareable` case must pass. `experimental` cases that this runner fails are
 * listed below with the reason; each listed case is asserted to still fail, so the list cannot go stale or hide a
 * regression. Resources are read as a client's would be (`parseWithExactDecimals`), so `1.0` keeps its precision.
 */
const KNOWN_FAILING_EXPERIMENTAL = new Map<string, string>([]);

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const suiteDir = path.resolve(repoRoot, '..', 'shared', 'conformance', 'sql-on-fhir-v2');

interface Case {
  title: string;
  tags?: string[];
  view: unknown;
  expect?: ViewRow[];
  expectError?: boolean;
  expectColumns?: string[];
}
interface Suite {
  title: string;
  resources: FhirJson[];
  tests: Case[];
}

/** Runs one case; the reason it fails, or undefined when it passes. */
function failure(suite: Suite, test: Case): string | undefined {
  let rows: ViewRow[];
  let columns: string[];
  try {
    const evaluator = compileView(test.view);
    rows = suite.resources.flatMap((r) => evaluator.rows(r));
    columns = evaluator.columns.map((c) => c.name);
  } catch (e) {
    return test.expectError ? undefined : `threw ${String(e)}`;
  }
  if (test.expectError) return `expected an error, got ${JSON.stringify(rows)}`;
  if (test.expectColumns) {
    if (JSON.stringify(columns) !== JSON.stringify(test.expectColumns)) return `columns ${JSON.stringify(columns)}`;
    const misordered = rows.find((r) => JSON.stringify(Object.keys(r)) !== JSON.stringify(test.expectColumns));
    if (misordered) return `row keys out of order: ${JSON.stringify(misordered)}`;
  }
  const got = canonical(rows);
  const want = canonical(test.expect ?? []);
  return JSON.stringify(got) === JSON.stringify(want) ? undefined : `rows ${JSON.stringify(got)}`;
}

/** Rows compared as a multiset: each with sorted keys, the list sorted. */
const canonical = (rows: ViewRow[]) =>
  rows
    .map((row) => JSON.stringify(Object.fromEntries(Object.entries(row).sort(([a], [b]) => (a < b ? -1 : 1)))))
    .sort();

if (!existsSync(suiteDir)) {
  console.warn(`SQL on FHIR v2 conformance suite not found at ${suiteDir}; skipping it.`);
  describe.skip('SQL on FHIR v2 conformance', () => {
    it(`needs the suite at ${suiteDir}`, () => undefined);
  });
} else {
  const files = readdirSync(suiteDir)
    .filter((f) => f.endsWith('.json') && f !== 'tests.schema.json')
    .sort();
  const results: Array<{ name: string; experimental: boolean; passed: boolean }> = [];

  describe('SQL on FHIR v2 conformance', () => {
    for (const file of files) {
      const text = readFileSync(path.join(suiteDir, file), 'utf8');
      // Views and expectations as JSON.parse reads them; the resources with their decimals as written.
      const suite = { ...(JSON.parse(text) as Suite), resources: (parseWithExactDecimals(text) as Suite).resources };
      for (const test of suite.tests) {
        const name = `${file} › ${test.title}`;
        const experimental = test.tags?.includes('experimental') ?? false;
        const knownReason = KNOWN_FAILING_EXPERIMENTAL.get(name);
        it(knownReason ? `${name} (known failing: ${knownReason})` : name, () => {
          const reason = failure(suite, test);
          results.push({ name, experimental, passed: reason === undefined });
          if (knownReason) expect(reason).toBeDefined();
          else expect(reason).toBeUndefined();
        });
      }
    }

    it('lists exactly the experimental cases that fail, and only experimental ones', () => {
      const failing = results.filter((r) => !r.passed).map((r) => r.name);
      expect(failing.sort()).toEqual([...KNOWN_FAILING_EXPERIMENTAL.keys()].sort());
      expect(results.filter((r) => !r.passed && !r.experimental)).toEqual([]);
      const count = (experimental: boolean) => {
        const cases = results.filter((r) => r.experimental === experimental);
        return `${cases.filter((r) => r.passed).length}/${cases.length}`;
      };
      console.info(
        `SQL on FHIR v2 conformance: ${results.filter((r) => r.passed).length}/${results.length} passed ` +
          `(shareable ${count(false)}, experimental ${count(true)})`,
      );
    });
  });
}
