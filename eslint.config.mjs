import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // dist/: build output (the worker's workflow bundle), as in .gitignore.
  { ignores: ['**/node_modules/**', '.data/**', 'coverage/**', '**/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    // A promise nobody awaits loses its rejection (an unhandled rejection ends the process) and its ordering; one
    // left floating on purpose says so with `void` and a comment. The rule needs types: the project's tsconfig.
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: { '@typescript-eslint/no-floating-promises': 'error' },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no I/O, clocks or randomness of its own. The workflow
    // contract (names, signatures, queries) is bundled into it too, so it is held to the same imports.
    files: ['apps/worker/src/workflows/**/*.ts', 'packages/workflow-contract/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!@temporalio/workflow$|@fhir-bulk/workflow-contract$|\\./)',
              allowTypeImports: true,
              message:
                'Workflow code may import only @temporalio/workflow, the workflow contract, sibling files and types.',
            },
          ],
        },
      ],
    },
  },
);
