/** @jest-config-loader esbuild-register */
import type { Config } from 'jest';

// swc transpiles only; `tsc --noEmit` type-checks once for the whole tree (npm test runs both).
const transform: Config['transform'] = { '^.+\\.(t|j)s$': ['@swc/jest', {}] };
// jose and @middy/core ship ESM only; let swc turn them into CommonJS for Jest.
const transformIgnorePatterns = ['/node_modules/(?!(jose|@middy)/)'];

const config: Config = {
  // Two test files at once: integration files mostly wait on their local stacks, so two of them share the
  // 2-core CI machine well (one worker, Jest's default there, runs them strictly one after another).
  maxWorkers: 2,
  // Longest suites first (a clean clone has no timing cache), so both workers stay busy to the end.
  testSequencer: '<rootDir>/test/longest-first-sequencer.mjs',
  projects: [
    {
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      // The repository tests are a project of their own (below): they need DynamoDB Local.
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/unit/repositories/'],
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      setupFiles: ['<rootDir>/test/unit/setup-env.ts'],
    },
    {
      // Repositories against one shared DynamoDB Local (started once per run, only when one of them runs).
      displayName: 'repositories',
      testMatch: ['<rootDir>/test/unit/repositories/**/*.test.ts'],
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      setupFiles: ['<rootDir>/test/unit/setup-env.ts', '<rootDir>/test/unit/repositories/setup-credentials.ts'],
      globalSetup: '<rootDir>/test/unit/repositories/dynamodb-local-setup.ts',
      globalTeardown: '<rootDir>/test/unit/repositories/dynamodb-local-teardown.ts',
    },
    {
      displayName: 'infra',
      testMatch: ['<rootDir>/test/infra/**/*.test.ts'],
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
    },
    {
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
      // Each test talks to a real local stack (testTimeout is global-only in Jest, hence a setup file).
      setupFilesAfterEnv: ['<rootDir>/test/integration/setup-timeout.ts'],
    },
  ],
};

export default config;
