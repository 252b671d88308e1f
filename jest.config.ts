/** @jest-config-loader esbuild-register */
import type { Config } from 'jest';

// @swc/jest strips types only (fast); `npm run typecheck` does the type checking. It also turns the ESM-only
// Parquet writer (hyparquet-writer and its hyparquet), JOSE library (jose) and retry helper (p-retry and its
// is-network-error) into CommonJS, which jest needs on Node 20.
const transform: Config['transform'] = { '^.+\\.(t|j)s$': ['@swc/jest', {}] };
const transformIgnorePatterns = ['/node_modules/(?!(hyparquet|hyparquet-writer|jose|p-retry|is-network-error)/)'];

const config: Config = {
  // Jest reads testTimeout only at the top level; integration tests wait on real servers.
  testTimeout: 120_000,
  projects: [
    {
      displayName: 'unit',
      transform,
      transformIgnorePatterns,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/{apps,packages,bench}/*/test/**/*.test.ts'],
      testPathIgnorePatterns: ['\\.int\\.test\\.ts$'],
    },
    {
      // Integration tests talk to the real Temporal, FerretDB and versitygw started by infra/stack.sh.
      displayName: 'integration',
      transform,
      transformIgnorePatterns,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/{apps,packages}/*/test/**/*.int.test.ts'],
      globalSetup: '<rootDir>/packages/test-support/src/global-setup.ts',
    },
  ],
};

export default config;
