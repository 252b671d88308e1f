/**
 * Imported first by a `*.r5.int.test.ts` file: every tenant of the suite it imports next speaks FHIR R5 (issue 15),
 * so the same suite proves the same behaviour on R5 without a copy of it. A suite's fixtures of types R5 changed go
 * through `inSuiteVersion` (suite-version.ts).
 */
process.env.DEFAULT_FHIR_VERSION = '5.0.0';
