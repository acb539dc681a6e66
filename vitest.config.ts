import { defineConfig } from 'vitest/config';

/**
 * Two projects. `unit`: everything outside test/integration/, no Redis, sshd, lab, Slack stand-in or
 * network (`npm run test:unit`). `integration`: test/integration/, against the local Redis, throwaway
 * sshd and lab hosts, bots on a Slack stand-in and a real dockerd (`npm run test:integration`).
 * `vitest run` (in `npm test`) runs the unit project first, then the integration one.
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', 'json'],
    // .ci/run reads the counts from here
    outputFile: { json: '.sickbay/test-results.json' },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/**'],
          // Unit files hold no process-wide state worth a fresh module graph each: sharing it keeps
          // the project well under a minute on two cores (mocha-style, as bolt and bullmq run theirs).
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // Integration files share one Redis and start sshd/lab processes: one file at a time, so that
          // two suites never fight over ports or CPU on a 2-core CI machine. After the unit project.
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
