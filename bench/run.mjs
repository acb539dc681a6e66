// Runs every bench/*.mjs (except this file) as a child process, one after another, and prints its output.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv[2];
const files = readdirSync(here)
  .filter((f) => f.endsWith('.mjs') && f !== 'run.mjs' && (!only || f.includes(only)))
  .sort();
let failed = 0;
for (const file of files) {
  console.log(`\n=== bench/${file} ===`);
  const res = spawnSync(process.execPath, [join(here, file)], { stdio: 'inherit' });
  if (res.status !== 0) {
    failed += 1;
    console.log(`bench/${file} exited with ${res.status ?? res.signal}`);
  }
}
process.exitCode = failed ? 1 : 0;
