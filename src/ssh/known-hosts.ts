import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { stat, readFile } from 'node:fs/promises';

/**
 * An OpenSSH known_hosts file, parsed once: plain and hashed (`|1|salt|hash`) host fields,
 * `[host]:port` names, `*`/`?` wildcards and `!` negations, and the `@revoked` marker.
 * `@cert-authority` lines are kept out: sickbay does not accept host certificates.
 * See sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT".
 */
export interface KnownHostEntry {
  readonly line: number;
  readonly revoked: boolean;
  readonly keyType: string;
  readonly key: Buffer;
  /** Plain host patterns (possibly with wildcards or `!`); empty for a hashed entry. */
  readonly patterns: readonly string[];
  readonly hashed?: { readonly salt: Buffer; readonly hash: Buffer };
}

export type HostKeyCheck =
  | { status: 'ok' }
  | { status: 'unknown' }
  | { status: 'revoked' }
  | { status: 'changed'; known: readonly { keyType: string; fingerprint: string; line: number }[] };

/** `SHA256:<base64 without padding>`, as `ssh-keygen -l` prints it. */
export function fingerprintOf(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type written inside an SSH public-key blob (`ssh-ed25519`, `ssh-rsa`, ...). */
export function keyTypeOf(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const len = key.readUInt32BE(0);
  return key.length >= 4 + len ? key.subarray(4, 4 + len).toString('latin1') : 'unknown';
}

/** The name a host is recorded under: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

function wildcardToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

/** OpenSSH match_hostname: any positive pattern matches and no negated one does. */
function patternsMatch(patterns: readonly string[], name: string): boolean {
  let matched = false;
  for (const p of patterns) {
    const negated = p.startsWith('!');
    const raw = negated ? p.slice(1) : p;
    const hit = /[*?]/.test(raw) ? wildcardToRegExp(raw).test(name) : raw.toLowerCase() === name.toLowerCase();
    if (hit && negated) return false;
    if (hit) matched = true;
  }
  return matched;
}

function hashedMatch(hashed: { salt: Buffer; hash: Buffer }, name: string): boolean {
  const digest = createHmac('sha1', hashed.salt).update(name).digest();
  return digest.length === hashed.hash.length && timingSafeEqual(digest, hashed.hash);
}

export class KnownHosts {
  /** Plain entries with one exact name, indexed by lower-case name: most files are only these. */
  private readonly exact = new Map<string, KnownHostEntry[]>();
  /** Hashed, wildcard and multi-pattern entries, checked one by one. */
  private readonly others: KnownHostEntry[] = [];

  constructor(readonly file: string, readonly entries: readonly KnownHostEntry[]) {
    for (const entry of entries) {
      const only = entry.patterns.length === 1 ? entry.patterns[0] : undefined;
      if (!entry.hashed && only !== undefined && !/[*?!]/.test(only)) {
        const key = only.toLowerCase();
        const list = this.exact.get(key) ?? [];
        list.push(entry);
        this.exact.set(key, list);
      } else {
        this.others.push(entry);
      }
    }
  }

  /** Every entry that names this host (`host` or `[host]:port`). */
  lookup(address: string, port: number): KnownHostEntry[] {
    const name = knownHostsName(address, port);
    const found = [...(this.exact.get(name.toLowerCase()) ?? [])];
    for (const entry of this.others) {
      if (entry.hashed ? hashedMatch(entry.hashed, name) : patternsMatch(entry.patterns, name)) found.push(entry);
    }
    return found;
  }

  /** Key types recorded for this host (not revoked), to prefer them in key exchange as OpenSSH does. */
  keyTypesFor(address: string, port: number): string[] {
    return [...new Set(this.lookup(address, port).filter((e) => !e.revoked).map((e) => e.keyType))];
  }

  check(address: string, port: number, key: Buffer): HostKeyCheck {
    const entries = this.lookup(address, port);
    if (entries.some((e) => e.revoked && e.key.equals(key))) return { status: 'revoked' };
    const trusted = entries.filter((e) => !e.revoked);
    if (trusted.some((e) => e.key.equals(key))) return { status: 'ok' };
    if (trusted.length === 0) return { status: 'unknown' };
    return { status: 'changed', known: trusted.map((e) => ({ keyType: e.keyType, fingerprint: fingerprintOf(e.key), line: e.line })) };
  }
}

/** Parses known_hosts text; malformed lines are skipped, as ssh does. */
export function parseKnownHosts(text: string, file = 'known_hosts'): KnownHosts {
  const entries: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: string | undefined;
    if (fields[0]?.startsWith('@')) marker = fields.shift();
    if (marker === '@cert-authority') return;
    if (marker !== undefined && marker !== '@revoked') return;
    const [hosts, keyType, keyB64] = fields;
    if (!hosts || !keyType || !keyB64) return;
    const key = Buffer.from(keyB64, 'base64');
    if (key.length === 0 || keyTypeOf(key) !== keyType) return;
    const base = { line: index + 1, revoked: marker === '@revoked', keyType, key };
    const hashed = /^\|1\|([^|]+)\|([^|]+)$/.exec(hosts);
    if (hashed?.[1] && hashed[2]) {
      entries.push({ ...base, patterns: [], hashed: { salt: Buffer.from(hashed[1], 'base64'), hash: Buffer.from(hashed[2], 'base64') } });
    } else {
      entries.push({ ...base, patterns: hosts.split(',').filter((p) => p !== '') });
    }
  });
  return new KnownHosts(file, entries);
}

interface CacheSlot {
  mtimeMs: number;
  size: number;
  parsed: Promise<KnownHosts>;
}

const cache = new Map<string, CacheSlot>();
let parses = 0;

/**
 * The parsed known_hosts file, from a process-wide cache: parsed once per file, and again only when
 * the file changes on disk (someone appended a key with ssh-keyscan). A missing file holds no keys.
 */
export async function loadKnownHosts(file: string): Promise<KnownHosts> {
  const st = await stat(file).catch(() => undefined);
  const mtimeMs = st?.mtimeMs ?? -1;
  const size = st?.size ?? -1;
  const slot = cache.get(file);
  if (slot && slot.mtimeMs === mtimeMs && slot.size === size) return slot.parsed;
  parses += 1;
  const parsed = st
    ? readFile(file, 'utf8').then(
        (text) => parseKnownHosts(text, file),
        () => parseKnownHosts('', file),
      )
    : Promise.resolve(parseKnownHosts('', file));
  cache.set(file, { mtimeMs, size, parsed });
  return parsed;
}

/** How many times known_hosts files were read and parsed in this process (the cache at work). */
export function knownHostsParseCount(): number {
  return parses;
}
