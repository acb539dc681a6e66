import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests share one Redis and start sshd/lab processes: keep files serial
    // so that two suites never fight over ports or CPU on a 2-core CI machine.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', 'json'],
    outputFile: { json: '.sickbay/test-results.json' },
  },
});
