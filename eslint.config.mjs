// Lint: the recommended TypeScript rules, plus the few that keep Lambda code honest.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import stackpro from './eslint-rules/no-handler-imports.mjs';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.stackpro/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    // Lambda code logs through the one Powertools logger, never console.
    files: ['lambdas/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    // No module imports a handler file (tests drive handlers, so they may). See eslint-rules/no-handler-imports.mjs.
    files: ['lambdas/**/*.ts', 'lib/**/*.ts', 'local/**/*.ts', 'bin/**/*.ts', 'statemachines/**/*.ts', 'bench/**/*.ts'],
    plugins: { stackpro },
    rules: { 'stackpro/no-handler-imports': 'error' },
  },
);
