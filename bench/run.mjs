// Runs every bench/*.mjs except this one, each in its own node process, one after the other.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const self = basename(fileURLToPath(import.meta.url));
const benches = readdirSync(here).filter((f) => f.endsWith('.mjs') && f !== self).sort();
let failed = 0;
for (const file of benches) {
  console.log(`== ${file}`);
  const run = spawnSync(process.execPath, [join(here, file), ...process.argv.slice(2)], { stdio: 'inherit' });
  if (run.status !== 0) {
    failed++;
    console.log(`!! ${file} exited with ${run.status ?? run.signal}`);
  }
}
process.exitCode = failed ? 1 : 0;
