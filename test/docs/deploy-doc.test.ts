import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const doc = readFileSync(join(ROOT, 'docs/deploy.md'), 'utf8');
const composeText = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
const compose = parse(composeText) as { services: Record<string, unknown>; volumes: Record<string, unknown> };

/** The section of docs/deploy.md that walks through docker-compose.yml. */
const section = doc.slice(doc.indexOf('## 5. Running it with docker compose'), doc.indexOf('## 6.'));
const yamlBlocks = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string);

describe('docs/deploy.md walks through docker-compose.yml as it is', () => {
  it('quotes every yaml block word for word from the compose file', () => {
    expect(yamlBlocks.length).toBeGreaterThan(5);
    expect(yamlBlocks.filter((block) => !composeText.includes(block))).toEqual([]);
  });

  it('shows every service and every volume', () => {
    const quoted = yamlBlocks.join('\n');
    for (const name of Object.keys(compose.services)) expect(quoted, name).toContain(`  ${name}:\n`);
    for (const name of Object.keys(compose.volumes)) expect(quoted, name).toContain(`  ${name}:\n`);
  });

  it("gives the steps the compose file's header gives", () => {
    const header = composeText.split('\n').filter((l) => l.startsWith('#   ')).map((l) => l.slice(4).split(/\s{2,}/)[0]?.trim() as string);
    const steps = /### The steps\n\n```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
    const commands = steps.split('\n').map((l) => l.split('#')[0]?.trim()).filter(Boolean);
    for (const command of header) expect(commands.map((c) => c?.replace(/^docker-compose /, 'docker compose '))).toContainEqual(command.replace(/ \(.*$/, ''));
  });
});
