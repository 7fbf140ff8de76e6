import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Three projects: unit tests next to the code; integration tests against the local cluster (one
 * cluster per run, brought up by the global setup); end-to-end tests in Chromium against the
 * built web host.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'src/**/*.test.ts',
            'main/**/*.test.ts',
            'renderer/**/*.test.{ts,tsx}',
            'preload/**/*.test.ts',
            'test/fuzz/**/*.test.ts',
          ],
          exclude: ['**/*.integration.test.ts', '**/node_modules/**'],
          environment: 'node',
        },
        // Electron main is tested against a stand-in for the electron module: no binary here.
        resolve: { alias: { electron: here('main/testing/electron.ts') } },
      },
      {
        test: {
          name: 'integration',
          include: ['src/**/*.integration.test.ts', 'test/**/*.integration.test.ts'],
          globalSetup: [here('test/setup/cluster.ts')],
          testTimeout: 120_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
      {
        // Kill-and-restart loops: long, so run by `npm run test:reliability` (part of `npm test`).
        test: {
          name: 'reliability',
          include: ['test/reliability/**/*.reliability.test.ts'],
          globalSetup: [here('test/setup/cluster.ts')],
          testTimeout: 900_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
      {
        // Renews the README's pictures: `npm run docs:images`, never part of `npm test`.
        test: {
          name: 'docs',
          include: ['test/docs/**/*.docs.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
