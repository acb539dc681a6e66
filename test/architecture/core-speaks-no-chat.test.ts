import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
/** The core: it returns data and typed errors. slack/ (and report/ for the terminal) give them their syntax. */
const CORE = ['domain', 'analysis', 'forecast', 'redaction', 'playbooks', 'inventory', 'remediation', 'alerts', 'queue', 'diagnosis', 'sweeps'];

/**
 * Slack's syntax in source text: a mention or channel link (`<@U…>`, `<#C…>`, `<@${id}>`), a special
 * mention (`<!subteam^…>`, `<!here>`), or an emoji shortcode standing alone (`:warning: `). Redis keys
 * (`${prefix}:req:`) and regex groups (`(?:connect: )`) are not shortcodes.
 */
const CHAT_SYNTAX = /<[@#][A-Z$]|<![a-z]|(?<![\w$}\]?]):[a-z][a-z0-9_+-]*:(?=[\s'"`]|$)/m;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

function chatSyntaxIn(files: readonly string[]): string[] {
  return files.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line, i) => (CHAT_SYNTAX.test(line) ? [`${relative(SRC, file)}:${i + 1}: ${line.trim()}`] : [])),
  );
}

describe('chat syntax stays at the edge', () => {
  it('finds no Slack mention, link or emoji in the text of the core modules', () => {
    expect(chatSyntaxIn(CORE.flatMap((dir) => sourceFiles(join(SRC, dir))))).toEqual([]);
  });

  it('recognises the syntax where it belongs, in slack/', () => {
    const found = chatSyntaxIn(sourceFiles(join(SRC, 'slack'))).join('\n');
    for (const sample of ['<@${user}>', '<!subteam^', ':warning:', '<#${channel}>']) expect(found).toContain(sample);
  });
});
