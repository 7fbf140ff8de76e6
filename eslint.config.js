// One small config: recommended rules, type-aware promise checks, and the layering rule that
// keeps each folder in its runtime. No per-file exemption lists.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const electronOnlyInMainAndPreload = {
  name: 'electron',
  message: 'Only main/ and preload/ import electron; the rest reaches it through the contract.',
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', 'test/cluster/**/*.go'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx,cts}'],
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['vitest.config.ts', 'renderer/vite.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      eqeqeq: ['error', 'always'],
      curly: ['error', 'all'],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { globals: globals.node },
  },
  {
    // Everything outside main/ and preload/ stays free of electron.
    files: ['src/**', 'renderer/**', 'test/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [electronOnlyInMainAndPreload] }] },
  },
  {
    // The contract and RPC have no runtime: no Node built-ins, no capabilities.
    files: ['src/contract/**', 'src/rpc/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronOnlyInMainAndPreload],
          patterns: [
            { group: ['node:*', 'ws'], message: 'src/contract and src/rpc run in every runtime: no Node modules.' },
            {
              group: ['../*/**', '!../contract/**', '!../contract', '!../rpc/**'],
              message: 'src/contract imports only the schema library; src/rpc only src/contract.',
            },
          ],
        },
      ],
    },
  },
  {
    // The renderer is browser code: its own files, the contract and RPC, npm packages for the DOM.
    files: ['renderer/**'],
    ignores: ['renderer/vite.config.ts'],
    languageOptions: { globals: globals.browser },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronOnlyInMainAndPreload],
          patterns: [
            { group: ['node:*', 'ws', '@kubernetes/*'], message: 'renderer/ is browser code.' },
            {
              group: [
                '../src/*',
                '../../src/*',
                '!../src/contract',
                '!../src/contract/**',
                '!../src/rpc',
                '!../src/rpc/**',
                '!../../src/contract',
                '!../../src/contract/**',
                '!../../src/rpc',
                '!../../src/rpc/**',
              ],
              message: 'renderer/ imports only src/contract, src/rpc and its own files.',
            },
          ],
        },
      ],
    },
  },
);
