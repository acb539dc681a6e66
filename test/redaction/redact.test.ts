import { describe, expect, it } from 'vitest';
import { createRedactor, isSecretName, redact, REDACTED, secretValuesOf } from '../../src/redaction/index.js';

const PEM = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7bq3zX\nq9Zk2mF0=\n-----END RSA PRIVATE KEY-----';

describe('redact', () => {
  it('removes values of variables whose names mark them as secret, in env dumps and JSON', () => {
    const out = redact('DB_PASSWORD=hunter2 GITHUB_TOKEN=abc123def API_KEY=k-999 {"client_secret": "s3cr3t"} HOME=/root');
    expect(out).not.toMatch(/hunter2|abc123def|k-999|s3cr3t/);
    expect(out).toContain('HOME=/root');
    expect(out).toContain(`DB_PASSWORD=${REDACTED}`);
  });

  it('keeps the user and host of a URL with credentials but not the password', () => {
    expect(redact('DATABASE_URL=postgres://u:p@h/db')).not.toContain('u:p@');
    expect(redact('see https://admin:pa55w0rd@registry.example.com/v2/')).toBe(`see https://admin:${REDACTED}@registry.example.com/v2/`);
  });

  it('removes PEM private key blocks, also when escaped inside JSON or cut short', () => {
    expect(redact(`key:\n${PEM}\nafter`)).not.toContain('MIIEowIBAAKCAQEA7bq3zX');
    expect(redact(JSON.stringify({ env: [`TLS_BUNDLE=${PEM}`] }))).not.toContain('MIIEowIBAAKCAQEA7bq3zX');
    expect(redact('-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA')).not.toContain('b3BlbnNzaC1rZXktdjEAAAAA');
  });

  it('removes AWS access key ids and Slack tokens wherever they appear', () => {
    const out = redact('S3_ID=AKIAIOSFODNN7EXAMPLE hook xoxb-1111-2222-abcdefghijkl app xapp-1-A0-123-abcdef12');
    expect(out).not.toMatch(/AKIAIOSFODNN7EXAMPLE|xoxb-1111|xapp-1-A0/);
  });

  it('keeps JSON valid when a secret sits in a JSON string', () => {
    const json = JSON.stringify({ line: 'DB_PASSWORD=hunter2"quoted', url: 'redis://:pw@h:6379' });
    expect(() => JSON.parse(redact(json))).not.toThrow();
  });

  it('hunts for the literal secret values of the environment it was given', () => {
    const r = createRedactor({ SICKBAY_DB_PASSWORD: 'worker-own-secret-value', HOME: '/root', SHORT_KEY: 'abc' });
    expect(r.text('OPAQUE=worker-own-secret-value home=/root')).toBe(`OPAQUE=${REDACTED} home=/root`);
    expect(r.text('abc stays: too short to hunt')).toContain('abc stays');
  });

  it('hunts for a value also as it reads escaped inside a JSON string', () => {
    const r = createRedactor({ SICKBAY_DB_PASSWORD: 'has"quote\\and-backslash' });
    const json = JSON.stringify({ line: 'connect with has"quote\\and-backslash now' });
    expect(r.text(json)).toBe(JSON.stringify({ line: `connect with ${REDACTED} now` }));
  });

  it('hunts only for the values of variables that hold secrets, not for paths or settings about them', () => {
    const env = { SICKBAY_DB_PASSWORD: 'db-secret-1', SLACK_BOT_TOKEN: 'xoxb-bot-token', KEY_FILE: '/etc/ssl/key.pem', SSH_AUTH_SOCK: '/tmp/ssh-x/agent.1', PWD: '/home/sickbay', TOKEN_TTL: '360000' };
    expect(secretValuesOf(env).sort()).toEqual(['db-secret-1', 'xoxb-bot-token']);
    expect(['DB_PASSWORD', 'AccountKey', 'X-Auth-Token', 'client_secret'].filter(isSecretName)).toHaveLength(4);
    expect(['KEY_FILE', 'SharedAccessKeyName', 'GPG_KEY', 'StopSignal', 'key'].filter(isSecretName)).toEqual([]);
  });

  it('redacts deep copies of data, including keys that name secrets and errors', () => {
    const r = createRedactor();
    const input = { a: ['DB_PASSWORD=x1y2z3'], nested: { password: 'plain', other: 'ok' }, err: new Error('failed with xoxb-1111-2222-abcdefghijkl') };
    const out = r.deep(input);
    expect(JSON.stringify(out)).not.toMatch(/x1y2z3|plain|xoxb-1111/);
    expect(out.nested.other).toBe('ok');
    expect(input.nested.password).toBe('plain');
    const paths = r.deep({ SandboxKey: '/var/run/docker/netns/e12dd120b83a', apiKey: 'k-123456', key: 'a' });
    expect(paths).toEqual({ SandboxKey: '/var/run/docker/netns/e12dd120b83a', apiKey: REDACTED, key: 'a' });
  });
});
