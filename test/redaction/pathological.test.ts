import { describe, expect, it } from 'vitest';
import { redact, REDACTED } from '../../src/redaction/index.js';

/**
 * Inputs built to make backtracking regular expressions take quadratic time (the redactor this
 * replaced took 0.6 s on 32 KB of `a.a.a.`). These check what comes out; bench/redaction.mjs
 * measures how fast.
 */
const MB = 1 << 20;

/** `unit` repeated to about `size` characters, whole units only. */
const fill = (unit: string, size = MB): string => unit.repeat(Math.floor(size / unit.length));

/** Deterministic base64-looking text without padding. */
function base64Like(size: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let seed = 20240501;
  let out = '';
  for (let i = 0; i < size; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    out += alphabet[seed % 64];
  }
  return out;
}

const PEM_REPLACEMENT = `-----BEGIN PRIVATE KEY----- ${REDACTED} -----END PRIVATE KEY-----`;

describe('redaction of pathological inputs (1-2 MB)', () => {
  it.each([
    ['a.a.a.', fill('a.', 2 * MB)],
    ['a=a=a=', fill('a=', 2 * MB)],
    ['a run of :', fill(':', 2 * MB)],
    ['a run of @', fill('@', 2 * MB)],
    ['a run of /', fill('/', 2 * MB)],
    ['base64-like text', base64Like(2 * MB)],
    ['://://', fill('://')],
    ['x://a:x://a:', fill('x://a:')],
    ['a:@a:@', fill('a:@')],
    ['eyJeyJ', fill('eyJ')],
    ['ghp_ghp_', fill('ghp_')],
    ['passwordpassword', fill('password')],
    ['-----END -----END', fill('-----END ')],
    ['mysql -p mysql -p (prompts, no values)', fill('mysql -p ')],
    ['curlcurlcurl', fill('curl')],
    ['\\"mysql \\"mysql (commands in a JSON string that never ends)', fill('\\"mysql ')],
    ['curl -u x (no password)', fill('curl -u x ')],
    ['Bearer Bearer', fill('Bearer ')],
    ['<password><password>', fill('<password>')],
    ['password: | with empty blocks', fill('password: |\n')],
  ])('leaves %s as it was', (_name, input) => {
    expect(redact(input) === input).toBe(true);
  });

  it.each([
    ['key=key=key=', fill('key='), `key=${REDACTED}`],
    ['password=password=', fill('password='), `password=${REDACTED}`],
    ['key=./key=./', fill('key=./'), `key=${REDACTED}`],
    ['password={password={', fill('password={'), `password=${REDACTED}`],
    ['a secret name before 2 MB of base64', `SECRET_KEY=${base64Like(2 * MB)}`, `SECRET_KEY=${REDACTED}`],
    ['BEGIN without END, over and over', fill('-----BEGIN RSA PRIVATE KEY-----'), PEM_REPLACEMENT],
  ])('hides the one value in %s', (_name, input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it.each([
    ['quoted tokens', 'token="x1y2z3" ', `token="${REDACTED}" `],
    ['credentialed URLs', 'https://u:p4ss@h/ ', `https://u:${REDACTED}@h/ `],
    ['JSON env entries', '"DB_PASSWORD=hunter2",\n', `"DB_PASSWORD=${REDACTED}",\n`],
    ['mysql command lines', 'mysql -uroot -phunter2\n', `mysql -uroot -p${REDACTED}\n`],
    ['JWT-like triples', 'eyJaaaaaaaaa.eyJbbbbbbbbb.cccc ', `${REDACTED} `],
    ['escaped JSON passwords', '\\"password\\":\\"x\\" ', `\\"password\\":\\"${REDACTED}\\" `],
  ])('hides every one of a million %s', (_name, unit, expected) => {
    const n = Math.floor(MB / unit.length);
    expect(redact(unit.repeat(n)) === expected.repeat(n)).toBe(true);
  });

  it('still finds a secret after 2 MB of each pathological run', () => {
    for (const run of [fill('a.', 2 * MB), fill('a=', 2 * MB), fill(':', 2 * MB), fill('@', 2 * MB), base64Like(2 * MB)]) {
      const out = redact(`${run}\nDB_PASSWORD=hunter2hunter2 https://u:pw123456@db/x`);
      expect(out.endsWith(`\nDB_PASSWORD=${REDACTED} https://u:${REDACTED}@db/x`)).toBe(true);
      expect(out.length).toBe(run.length + `\nDB_PASSWORD=${REDACTED} https://u:${REDACTED}@db/x`.length);
    }
  });
});
