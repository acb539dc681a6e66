import { createHmac, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { fingerprintOf, keyTypeOf, parseKnownHosts } from '../../src/ssh/index.js';

/** A syntactically valid ssh-ed25519 public key blob with random key bytes. */
function fakeKey(): Buffer {
  const type = Buffer.from('ssh-ed25519');
  const body = randomBytes(32);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(type.length);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([head, type, len, body]);
}

function line(hosts: string, key: Buffer, marker = ''): string {
  return `${marker ? `${marker} ` : ''}${hosts} ${keyTypeOf(key)} ${key.toString('base64')} comment`;
}

function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

describe('known_hosts', () => {
  const a = fakeKey();
  const b = fakeKey();

  it('matches plain names, comma lists and [host]:port entries only on their port', () => {
    const kh = parseKnownHosts([line('web-1,10.0.0.1', a), line('[10.0.0.2]:2222', b)].join('\n'));
    expect(kh.check('10.0.0.1', 22, a).status).toBe('ok');
    expect(kh.check('web-1', 22, a).status).toBe('ok');
    expect(kh.check('10.0.0.2', 2222, b).status).toBe('ok');
    expect(kh.check('10.0.0.2', 22, b).status).toBe('unknown');
    expect(kh.check('10.0.0.1', 2200, a).status).toBe('unknown');
  });

  it('matches hashed entries for host and [host]:port', () => {
    const kh = parseKnownHosts([line(hashed('db-1'), a), line(hashed('[db-2]:2022'), b)].join('\n'));
    expect(kh.check('db-1', 22, a).status).toBe('ok');
    expect(kh.check('db-2', 2022, b).status).toBe('ok');
    expect(kh.check('db-3', 22, a).status).toBe('unknown');
  });

  it('reports a different key for a known host as changed, with the recorded fingerprints', () => {
    const kh = parseKnownHosts(`# header\n\n${line('web-1', a)}\n`);
    const result = kh.check('web-1', 22, b);
    expect(result).toEqual({ status: 'changed', known: [{ keyType: 'ssh-ed25519', fingerprint: fingerprintOf(a), line: 3 }] });
  });

  it('honours wildcards and negations', () => {
    const kh = parseKnownHosts(line('*.lab,!bad.lab', a));
    expect(kh.check('x.lab', 22, a).status).toBe('ok');
    expect(kh.check('bad.lab', 22, a).status).toBe('unknown');
  });

  it('refuses a key marked @revoked even when another line trusts it, and ignores @cert-authority', () => {
    const kh = parseKnownHosts([line('web-1', a), line('*', a, '@revoked'), line('*', b, '@cert-authority')].join('\n'));
    expect(kh.check('web-1', 22, a).status).toBe('revoked');
    expect(kh.check('web-2', 22, b).status).toBe('unknown');
  });

  it('skips malformed lines instead of failing the whole file', () => {
    const kh = parseKnownHosts(['garbage', 'web-1 ssh-ed25519 !!!notbase64', 'web-1 ssh-rsa ' + a.toString('base64'), line('web-1', a)].join('\n'));
    expect(kh.entries).toHaveLength(1);
    expect(kh.check('web-1', 22, a).status).toBe('ok');
  });

  it('prints fingerprints as ssh-keygen does', () => {
    const pub = `ssh-ed25519 ${a.toString('base64')}`;
    const printed = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', '-'], { input: pub, encoding: 'utf8' }).split(' ')[1];
    expect(fingerprintOf(a)).toBe(printed);
  });
});
