import { defineConfig } from 'vitest/config';

/**
 * The compose smoke flow alone, run by test/smoke/compose-smoke.sh once it has built the images
 * (never by `npm test`: it needs the daemon and the images the script makes).
 */
export default defineConfig({
  test: {
    include: ['test/smoke/**/*.smoke.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    reporters: ['default'],
  },
});
