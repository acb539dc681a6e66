/**
 * Finds the secrets in a text in one left-to-right pass, in time linear in its length.
 *
 * One search, made only of literal alternatives, finds the places worth a look: a private key
 * header, `://`, a token prefix (`ghp_`, `AKIA`, `eyJ`), a client that takes a password on its
 * command line (`mysql -p…`), or a word that names a secret (`pass`, `secret`, `token`, `key`,
 * `auth`, `sig`, `cookie`, `bearer`). A hand-written handler then reads around each place: the name
 * and its separator, the value up to where it ends (`;`, `&`, a quote, a blank), the userinfo of a
 * URL. Handlers only read a bounded distance, or read a run once and move the search past it, so
 * no input makes the work quadratic (the regular expressions this replaces did, on `a.a.a.`).
 */
import { escapeRegExp } from '../domain/text.js';
import { classifyName, isPlaceholder, isSecretValue, REDACTED, SPACE_SEPARATED_NAMES, type SecretName } from './names.js';
import { TOKEN_RULES, type TokenRule } from './tokens.js';

export interface Span {
  start: number;
  end: number;
  replacement: string;
}

export const PEM_REPLACEMENT = `-----BEGIN PRIVATE KEY----- ${REDACTED} -----END PRIVATE KEY-----`;

/** Words that, inside a name, make the scanner look at the name. Lower case; matched case-insensitively. */
const KEYWORDS = ['pass', 'pwd', 'secret', 'token', 'key', 'auth', 'cred', 'sig', 'cookie', 'bearer'];
const KEYWORD_AT = new RegExp(KEYWORDS.join('|'), 'iy');

/** A name longer than this is not a variable name but a blob: it is skipped whole. */
const MAX_NAME = 128;
/** Blanks allowed around a separator (`password = x`). */
const MAX_BLANKS = 8;
/** How far a command line is read for the password flags of a client (`mysql … -pX`). */
const MAX_COMMAND = 4096;
const MAX_ARGS = 64;
/** How far a URL password may run before its `@` (`redis://:p@ss/w0rd@host`). */
const MAX_URL_PASSWORD = 1024;

const TOKEN_TRIGGERS = [...new Set(TOKEN_RULES.flatMap((r) => (r.trigger !== undefined ? [r.trigger] : r.prefixes.map(escapeRegExp))))];
/** Rules by the lower-cased first two characters of their prefixes. */
const TOKENS_BY_START = new Map<string, TokenRule[]>();
for (const r of TOKEN_RULES) {
  for (const prefix of new Set(r.prefixes.map((p) => p.slice(0, 2).toLowerCase()))) {
    TOKENS_BY_START.set(prefix, [...(TOKENS_BY_START.get(prefix) ?? []), r]);
  }
}

/** Clients that take a password as an argument, by the basename of the program. */
interface ClientRule {
  /** Flags whose value may be glued on (`-pSECRET`). */
  attached: readonly string[];
  /** Flags whose value is the next argument (`-p SECRET`). */
  separate: readonly string[];
  /** The value is `user:password`; only what follows the first `:` is hidden (`curl -u`). */
  userColon?: boolean;
}
const MYSQL: ClientRule = { attached: ['-p'], separate: [] };
const DASH_P: ClientRule = { attached: ['-p'], separate: ['-p'] };
const CLIENTS: readonly { program: RegExp; rule: ClientRule }[] = [
  { program: /^(?:mysql(?:dump|admin|import|check|show|slap|pump|sh|binlog)?|mariadb(?:-?(?:dump|admin|import|check|show|slap))?)$/, rule: MYSQL },
  { program: /^sshpass$/, rule: DASH_P },
  { program: /^(?:redis|keydb)-cli$/, rule: { attached: ['-a'], separate: ['-a'] } },
  { program: /^mongo(?:sh|dump|restore|export|import|stat|top)?$/, rule: DASH_P },
  { program: /^ldap(?:search|modify|add|delete|passwd|whoami|compare|modrdn|exop)$/, rule: { attached: ['-w'], separate: ['-w'] } },
  { program: /^curl$/, rule: { attached: ['-u', '-U'], separate: ['-u', '--user', '-U', '--proxy-user'], userColon: true } },
];
/** `docker login -p X`: the program is the word before `login`. */
const LOGIN_PROGRAMS = /^(?:docker|podman|nerdctl|buildah|skopeo|oras|registry)$/;
const PROGRAM_TRIGGERS = ['mysql', 'mariadb', 'sshpass', 'redis-cli', 'keydb-cli', 'mongo', 'ldap', 'curl', 'login'];

const TRIGGER = new RegExp(
  [
    '(-----BEGIN |---- BEGIN SSH2 )',
    '(:(?://|\\\\/\\\\/))',
    `(${TOKEN_TRIGGERS.join('|')})`,
    `(${PROGRAM_TRIGGERS.map(escapeRegExp).join('|')})`,
    `(?:${KEYWORDS.join('|')})`,
  ].join('|'),
  'gi',
);

const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----|---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----/y;
/** Authorization schemes: what follows is the credential. Multi-parameter schemes run to the end of the header. */
const AUTH_SCHEME = /(?:(Bearer|Basic|Token|Bot|ApiKey|Negotiate|NTLM|SSWS|JWT|GenieKey|Splunk|Key)|(Digest|OAuth|Hawk|AWS4-HMAC-SHA256|Signature|HMAC-SHA256))[ \t]+/iy;
/** A lone `Bearer xyz` in a log line. */
const BEARER_TOKEN_MIN = 8;
const NEXT_FLAG_VALUE_IN_JSON = /[ \t]{0,8},\s{0,256}"/y;
/** YAML block scalar indicators: `|`, `>-`, `|+2`. */
const BLOCK_SCALAR = /^[|>][-+]?[0-9]?$/;
/** How far back the start of a YAML line is looked for, to measure its indentation. */
const MAX_YAML_PREFIX = 256;
const NUGET_VALUE = /[ \t]+value[ \t]*=[ \t]*/y;
const PORT = /^[0-9]{1,5}\//;
const PORT_AND_PATH = /^[0-9]{1,5}(?:\/|$)/;
/** A value judged not secret is scanned again for secrets inside it, up to this length. */
const MAX_RESCAN = 256;
const LONG_USER_TOKEN = /^(?=[A-Za-z0-9_-]*[0-9])[A-Za-z0-9_-]{32,}$/;

const enum C {
  Tab = 9, Nl = 10, Vt = 11, Ff = 12, Cr = 13, Space = 32, Quote = 34, Hash = 35, Dollar = 36, Amp = 38, Apos = 39,
  LParen = 40, RParen = 41, Comma = 44, Dash = 45, Dot = 46, Slash = 47, Colon = 58, Semi = 59, Lt = 60, Eq = 61, Gt = 62,
  Question = 63, At = 64, LBracket = 91, Backslash = 92, RBracket = 93, Underscore = 95, Backtick = 96, LBrace = 123,
  Pipe = 124, RBrace = 125,
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAlpha = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isAlnum = (c: number): boolean => isAlpha(c) || isDigit(c);
/** Characters of a variable, flag, key or header name: `DB_PASSWORD`, `--db-password`, `spring.datasource.password`. */
const isNameChar = (c: number): boolean => isAlnum(c) || c === C.Underscore || c === C.Dot || c === C.Dash;
/** Characters that glue a token to what precedes it: a token after one of these is part of a longer word. */
const isTokenChar = (c: number): boolean => isAlnum(c) || c === C.Underscore || c === C.Dash;
const isSchemeChar = (c: number): boolean => isAlnum(c) || c === 43 || c === C.Dot || c === C.Dash;
const isBlank = (c: number): boolean => c === C.Space || c === C.Tab;
const isSpace = (c: number): boolean => c === C.Space || c === C.Tab || c === C.Nl || c === C.Cr || c === C.Vt || c === C.Ff;
const isQuote = (c: number): boolean => c === C.Quote || c === C.Apos || c === C.Backtick;
const isHex = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

/** The token that holds a URL: up to a blank, a quote, `<`, `>` or a backslash other than `\/`. */
interface UrlToken {
  start: number;
  end: number;
  /** Positions of `@` in it, ascending. */
  ats: number[];
}

class Scanner {
  readonly spans: Span[] = [];
  /** The end of the last client command line read (`mysql …`), so that `mysql mysql mysql` is read once. */
  private commandEnd = 0;
  private urlToken: UrlToken | undefined;
  private readonly endMarks = new Map<string, { from: number; at: number }>();
  /** The last word a program trigger was in, and the client rule it named, if any. */
  private word: { start: number; end: number; rule: ClientRule | undefined } | undefined;

  constructor(private readonly s: string) {}

  run(): Span[] {
    const s = this.s;
    // Shared: a scan runs to its end without yielding, so no two scans use it at once.
    const re = TRIGGER;
    re.lastIndex = 0;
    for (let m = re.exec(s); m !== null; m = re.exec(s)) {
      const p = m.index;
      let next: number;
      if (m[1] !== undefined) next = this.pem(p);
      else if (m[2] !== undefined) next = this.url(p, m[2].length);
      else if (m[3] !== undefined) next = this.token(p);
      else if (m[4] !== undefined) next = this.program(p, m[4].length);
      else next = this.keyValue(p);
      if (next < 0) {
        // A token or program that was not one; the same place may still start a secret's name.
        KEYWORD_AT.lastIndex = p;
        next = KEYWORD_AT.test(s) ? this.keyValue(p) : p + 1;
      }
      re.lastIndex = Math.max(next, p + 1);
    }
    return this.spans;
  }

  private hide(start: number, end: number, replacement = REDACTED): void {
    if (end > start) this.spans.push({ start, end, replacement });
  }

  /** A PEM or PGP private key block, up to its END line; cut short, to the end of the text or of its JSON string. */
  private pem(p: number): number {
    const s = this.s;
    PEM_BEGIN.lastIndex = p;
    const begin = PEM_BEGIN.exec(s);
    if (!begin) return p + 1;
    const body = p + begin[0].length;
    const ssh2 = begin[0].startsWith('---- ');
    const endMark = ssh2 ? '---- END ' : '-----END ';
    const at = this.nextEndMark(endMark, body);
    // A block escaped into a JSON string (`\n` for newlines) ends with that string at the latest.
    const limit = s.startsWith('\\n', body) ? jsonStringEnd(s, body) : s.length;
    let end = limit;
    if (at >= 0 && at < limit) {
      const close = s.slice(at + endMark.length, at + 80).indexOf(ssh2 ? ' ----' : '-----');
      end = close >= 0 ? at + endMark.length + close + 5 : at + endMark.length;
    }
    this.hide(p, end, PEM_REPLACEMENT);
    return end;
  }

  /** The first `mark` at or after `from`, remembered so that many BEGINs without an END cost one search. */
  private nextEndMark(mark: string, from: number): number {
    const known = this.endMarks.get(mark);
    if (known && from >= known.from && (known.at < 0 || from <= known.at)) return known.at;
    const at = this.s.indexOf(mark, from);
    this.endMarks.set(mark, { from, at });
    return at;
  }

  /** A token with a known prefix, checked against its rule. -1 when none matches. */
  private token(p: number): number {
    const s = this.s;
    if (p > 0 && isTokenChar(s.charCodeAt(p - 1))) return -1;
    for (const r of TOKENS_BY_START.get(s.slice(p, p + 2).toLowerCase()) ?? []) {
      r.re.lastIndex = p;
      const m = r.re.exec(s);
      if (m) {
        const end = p + m[0].length;
        this.hide(p + (m[1] ?? '').length, end);
        return end;
      }
    }
    return -1;
  }

  /** `scheme://user:password@host`: the password goes, the rest stays. `p` is at the `:` of `://` (or `:\/\/`). */
  private url(p: number, markLength: number): number {
    const s = this.s;
    const after = p + markLength;
    let b = p;
    while (b > 0 && p - b < 32 && isSchemeChar(s.charCodeAt(b - 1))) b--;
    while (b < p && !isAlpha(s.charCodeAt(b))) b++;
    if (b === p) return after;
    const token = this.urlTokenFrom(after);
    // The user ends at the first `:` or `@`; a `/`, `?` or `#` first means there is no userinfo.
    let i = after;
    for (; i < token.end; i++) {
      const c = s.charCodeAt(i);
      if (c === C.Colon || c === C.At) break;
      if (c === C.Slash || c === C.Question || c === C.Hash || c === C.Backslash) return after;
    }
    if (i >= token.end) return after;
    if (s.charCodeAt(i) === C.At) {
      // A user but no password: a token used as the user name (`https://ghp_…@github.com`, a Sentry DSN key).
      if (LONG_USER_TOKEN.test(s.slice(after, i))) {
        this.hide(after, i);
        return i + 1;
      }
      return after;
    }
    // The password ends at the last `@` of the token (passwords may hold `@` and `/`), within reach.
    const at = lastBefore(token.ats, Math.min(token.end, i + 1 + MAX_URL_PASSWORD));
    if (at === undefined || at <= i + 1) return after;
    if (PORT.test(s.slice(i + 1, Math.min(at, i + 8)))) return after;
    this.hide(i + 1, at);
    return at + 1;
  }

  private urlTokenFrom(from: number): UrlToken {
    const known = this.urlToken;
    if (known && from >= known.start && from < known.end) return known;
    const s = this.s;
    const ats: number[] = [];
    let end = from;
    for (; end < s.length; end++) {
      const c = s.charCodeAt(end);
      if (isSpace(c) || isQuote(c) || c === C.Lt || c === C.Gt) break;
      if (c === C.Backslash) {
        if (s.charCodeAt(end + 1) !== C.Slash) break;
        end++;
      } else if (c === C.At) ats.push(end);
    }
    this.urlToken = { start: from, end, ats };
    return this.urlToken;
  }

  /**
   * A client that takes a password on its command line (`mysql -uroot -pX`, `sshpass -p X`,
   * `redis-cli -a X`, `curl -u user:X`, `docker login -p X`). -1 when the word is not such a program.
   */
  private program(p: number, length: number): number {
    const s = this.s;
    // Every trigger inside one word (`curlcurlcurl`, `/usr/bin/mysql`) gets the same answer: the word is read once.
    let word = this.word;
    if (!word || p < word.start || p >= word.end) {
      let start = p;
      while (start > 0 && !isWordEnd(s.charCodeAt(start - 1))) start--;
      let end = p + length;
      while (end < s.length && !isWordEnd(s.charCodeAt(end))) end++;
      let rule: ClientRule | undefined;
      if (end - start <= MAX_NAME) {
        const text = s.slice(start, end);
        const base = text.slice(text.lastIndexOf('/') + 1);
        rule = CLIENTS.find((c) => c.program.test(base))?.rule;
        if (!rule && base === 'login' && LOGIN_PROGRAMS.test(previousWord(s, start))) rule = DASH_P;
      }
      word = { start, end, rule };
      this.word = word;
    }
    const { start, end, rule } = word;
    if (!rule) return -1;
    if (end <= this.commandEnd) return end;
    // A program that is a whole JSON string (`"Cmd": ["mysql", "-pX"]`) has its arguments in the next
    // strings; one that starts a JSON string (`"Test": ["CMD-SHELL", "mysqladmin ping -pX"]`), in the rest of it.
    const inJson = s.charCodeAt(start - 1) === C.Quote;
    const mode = inJson && s.charCodeAt(end) === C.Quote ? 'array' : inJson ? 'json-string' : 'shell';
    const args = commandArgs(s, mode === 'array' ? end + 1 : end, mode);
    this.commandEnd = args.end;
    for (let k = 0; k < args.list.length; k++) {
      const arg = args.list[k];
      if (arg === undefined) continue;
      const text = s.slice(arg.start, arg.end);
      let value: Arg | undefined;
      if (rule.separate.includes(text)) value = args.list[k + 1];
      else {
        const eq = rule.separate.find((f) => f.startsWith('--') && text.startsWith(`${f}=`));
        const glued = rule.attached.find((f) => text.length > f.length && text.startsWith(f) && text.charCodeAt(f.length) !== C.Dash);
        if (eq) value = { start: arg.start + eq.length + 1, end: arg.end };
        else if (glued) value = { start: arg.start + glued.length, end: arg.end };
      }
      if (!value || s.charCodeAt(value.start) === C.Dash) continue;
      if (rule.userColon) {
        const colon = s.slice(value.start, value.end).indexOf(':');
        if (colon < 0) continue;
        value = { start: value.start + colon + 1, end: value.end };
      }
      if (!isPlaceholder(s.slice(value.start, value.end))) this.hide(value.start, value.end);
    }
    return end;
  }

  /**
   * A name that holds a keyword (`DB_PASSWORD`, `--api-key`, `"client_secret"`, `X-Auth-Token`,
   * `sig`), its separator and its value. Returns where to look next: past the value, or past the name.
   */
  private keyValue(k: number): number {
    const s = this.s;
    // A name run longer than MAX_NAME (a blob, a very long property) counts by its last MAX_NAME
    // characters, the part next to its separator; the search then moves past the whole run.
    let start = k;
    while (start > 0 && k - start < MAX_NAME && isNameChar(s.charCodeAt(start - 1))) start--;
    const end = runEnd(s, k);
    start = Math.max(start, end - MAX_NAME);
    let nameStart = start;
    while (nameStart < end && s.charCodeAt(nameStart) === C.Dash) nameStart++;
    const flag = nameStart > start;
    let nameEnd = end;
    while (nameEnd > nameStart && (s.charCodeAt(nameEnd - 1) === C.Dot || s.charCodeAt(nameEnd - 1) === C.Dash)) nameEnd--;
    const name = s.slice(nameStart, nameEnd);
    const lower = name.toLowerCase();
    if (lower === 'bearer' && !flag && isBlank(s.charCodeAt(nameEnd))) return this.bareBearer(nameEnd);
    const kind = classifyName(name);
    if (!kind) return end;

    let i = nameEnd;
    const before = s.charCodeAt(start - 1);
    let quotedName = false;
    if (before === C.Quote || before === C.Apos) {
      const escaped = before === C.Quote && s.charCodeAt(start - 2) === C.Backslash;
      if (escaped && s.charCodeAt(i) === C.Backslash && s.charCodeAt(i + 1) === C.Quote) i += 2;
      else if (!escaped && s.charCodeAt(i) === before) i += 1;
      quotedName = i > nameEnd;
    } else if (before === C.Lt && s.charCodeAt(i) === C.Gt) {
      // <password>x</password>
      return this.value(kind, i + 1, untilInLine(s, i + 1, C.Lt), false);
    }
    if (quotedName) {
      NUGET_VALUE.lastIndex = i;
      if (NUGET_VALUE.test(s)) return this.valueAt(kind, NUGET_VALUE.lastIndex, end);
    }

    const j = skipBlanks(s, i);
    const c = s.charCodeAt(j);
    const c1 = s.charCodeAt(j + 1);
    let sepEnd = -1;
    let tightColon = false;
    if (c === C.Eq) {
      if (c1 === C.Eq) return end;
      sepEnd = j + (c1 === C.Gt ? 2 : 1);
    } else if (c === C.Colon) {
      sepEnd = j + (c1 === C.Eq ? 2 : 1);
      tightColon = c1 !== C.Eq && !isBlank(c1) && !quotedName && j === i;
    }
    const lone = kind.lone;
    if (sepEnd >= 0) {
      const equals = c === C.Eq && c1 !== C.Gt;
      // A lone `key`, `pass`, `sig`: only as `name=value` (query strings, env); `key: value` is too common.
      if (lone !== undefined && lone !== 'auth' && !equals) return end;
      if (tightColon && name.includes('.')) return end;
      // `name= next=1` (logfmt) is an empty value; `name = value` (INI, properties) is not.
      const v = skipBlanks(s, sepEnd);
      if (equals && v > sepEnd && j === i) return end;
      return this.valueAt(kind, v, end, tightColon);
    }
    // No separator: `--password X`, `requirepass X`, or `"--requirepass", "X"` in a JSON array.
    if (flag && quotedName) {
      NEXT_FLAG_VALUE_IN_JSON.lastIndex = i;
      if (NEXT_FLAG_VALUE_IN_JSON.test(s) && (lone === undefined || lone === 'pass')) return this.valueAt(kind, NEXT_FLAG_VALUE_IN_JSON.lastIndex - 1, end);
      return end;
    }
    if ((flag && (lone === undefined || lone === 'pass')) || SPACE_SEPARATED_NAMES.has(lower)) {
      if (j === i || quotedName) return end;
      if (s.charCodeAt(j) === C.Dash) return end;
      return this.valueAt(kind, j, end);
    }
    return end;
  }

  /** The value that starts at `v` (after the separator and blanks), quoted or not. */
  private valueAt(kind: SecretName, v: number, nameEnd: number, tightColon = false): number {
    const s = this.s;
    if (v >= s.length) return v;
    const c = s.charCodeAt(v);
    if (c === C.Nl || c === C.Cr) return v;
    // A key block as the value: the PEM handler takes the whole block.
    if (s.startsWith('-----BEGIN', v)) return v;
    // A structure (`"auths": {`, `CREDS={"user": …}`), not a value: what is inside is scanned on its
    // own. After `=`, braces may also quote a value (`PWD={a;b}` in an ODBC connection string).
    if (c === C.LBrace || c === C.LBracket) {
      const n = s.charCodeAt(v + 1);
      if (s.charCodeAt(v - 1) !== C.Eq || n === C.Quote || n === C.Backslash || isSpace(n)) return v;
    }
    if (isQuote(c)) {
      const close = closingQuote(s, v + 1, c);
      if (close >= 0) return this.value(kind, v + 1, close, false);
      return this.value(kind, v + 1, unquotedEnd(s, v + 1), false);
    }
    if (c === C.Backslash && s.charCodeAt(v + 1) === C.Quote) {
      const close = escapedQuoteClose(s, v + 2);
      if (close >= 0) return this.value(kind, v + 2, close, false);
      return this.value(kind, v + 2, unquotedEnd(s, v + 2), false);
    }
    const ve = unquotedEnd(s, v);
    if (BLOCK_SCALAR.test(s.slice(v, ve))) return this.blockScalar(kind, v, ve);
    return this.value(kind, v, ve, tightColon);
  }

  /** `password: |` in YAML: the value is the lines below that are indented deeper than the name's. */
  private blockScalar(kind: SecretName, v: number, ve: number): number {
    const s = this.s;
    const nl = skipBlanks(s, ve);
    if (s.charCodeAt(nl) !== C.Nl) return ve;
    let lineStart = v;
    while (lineStart > 0 && v - lineStart < MAX_YAML_PREFIX && s.charCodeAt(lineStart - 1) !== C.Nl) lineStart--;
    if (lineStart > 0 && s.charCodeAt(lineStart - 1) !== C.Nl) return ve;
    const indent = indentation(s, lineStart);
    let first = -1;
    let last = nl;
    for (let at = nl + 1; at < s.length; ) {
      const depth = indentation(s, at);
      const next = s.indexOf('\n', at);
      const end = next < 0 ? s.length : next;
      const blank = at + depth === end;
      if (!blank && depth <= indent) break;
      if (!blank && first < 0) first = at + depth;
      if (!blank) last = end;
      at = end + 1;
      if (next < 0) break;
    }
    if (first >= 0 && isSecretValue(kind, s.slice(first, last).trim())) this.hide(first, last);
    return Math.max(last, ve);
  }

  /** Hides `[vs, ve)` if it is a secret value; an authorization scheme keeps its name and loses its credential. */
  private value(kind: SecretName, vs: number, ve: number, tightColon: boolean): number {
    const s = this.s;
    AUTH_SCHEME.lastIndex = vs;
    const scheme = AUTH_SCHEME.exec(s);
    if (scheme && AUTH_SCHEME.lastIndex < s.length) {
      const from = AUTH_SCHEME.lastIndex;
      const to = scheme[2] !== undefined ? paramListEnd(s, from) : unquotedEnd(s, from);
      const text = s.slice(from, to);
      if (text !== '' && text !== REDACTED) this.hide(from, to);
      return Math.max(to, ve);
    }
    const text = s.slice(vs, ve);
    // `auth-service:8080/path`: a host and port, not a name and its value.
    if (tightColon && PORT_AND_PATH.test(text)) return ve;
    if (isSecretValue(kind, text)) {
      this.hide(vs, ve);
      return ve;
    }
    // Not a secret (`key="ClearTextPassword"`, a path): what it holds is looked at on its own, when
    // it is short enough for that second look to cost little.
    return ve - vs <= MAX_RESCAN ? vs : ve;
  }

  /** `Bearer eyJ…` on its own, outside an Authorization header. */
  private bareBearer(nameEnd: number): number {
    const s = this.s;
    const from = nameEnd + 1;
    let to = from;
    while (to < s.length && isBearerChar(s.charCodeAt(to))) to++;
    // A word of prose after "Bearer" ("Bearer authentication failed") has no digit; tokens have.
    const token = s.slice(from, to);
    if (token.length >= BEARER_TOKEN_MIN && /[0-9]/.test(token) && token !== REDACTED) this.hide(from, to);
    return to;
  }
}

const isBearerChar = (c: number): boolean => isAlnum(c) || c === C.Dot || c === C.Underscore || c === C.Dash || c === 126 || c === 43 || c === C.Slash || c === C.Eq;
/** Where a shell word ends, for finding the program a trigger sits in. */
const isWordEnd = (c: number): boolean => isSpace(c) || isQuote(c) || c === C.Eq || c === C.Semi || c === C.Pipe || c === C.Amp || c === C.LParen || c === C.Comma || c === C.LBracket;

function runEnd(s: string, from: number): number {
  let i = from;
  while (i < s.length && isNameChar(s.charCodeAt(i))) i++;
  return i;
}

function indentation(s: string, lineStart: number): number {
  let i = lineStart;
  while (i < s.length && s.charCodeAt(i) === C.Space) i++;
  return i - lineStart;
}

function skipBlanks(s: string, from: number): number {
  let i = from;
  while (i < s.length && i - from < MAX_BLANKS && isBlank(s.charCodeAt(i))) i++;
  return i;
}

/** The first `char` from `from`, or the end of the line (or text) when it comes first. Reads no further. */
function untilInLine(s: string, from: number, char: number): number {
  let i = from;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === char || c === C.Nl) return i;
    i++;
  }
  return i;
}

/** The largest element of the ascending `list` that is below `limit`. */
function lastBefore(list: readonly number[], limit: number): number | undefined {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid] ?? Infinity) < limit) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? list[lo - 1] : undefined;
}

/** The unescaped `"` that ends the JSON string `from` is in, or `max` (the end of the text). */
function jsonStringEnd(s: string, from: number, max = s.length): number {
  const stop = Math.min(max, s.length);
  for (let i = from; i < stop; i++) {
    const c = s.charCodeAt(i);
    if (c === C.Quote) return i;
    if (c === C.Backslash) i++;
  }
  return stop;
}

/** The `\\"` that closes a value quoted inside a JSON string, on the same line; -1 when there is none. */
function escapedQuoteClose(s: string, from: number): number {
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === C.Nl) return -1;
    if (c === C.Backslash) {
      if (s.charCodeAt(i + 1) === C.Quote) return i;
      i++;
    }
  }
  return -1;
}

/** The closing quote on the same line, skipping backslash escapes inside double quotes; -1 when there is none. */
function closingQuote(s: string, from: number, quote: number): number {
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === quote) return i;
    if (c === C.Nl) return -1;
    if (c === C.Backslash && quote === C.Quote) i++;
  }
  return -1;
}

/**
 * Where an unquoted value ends: a blank, a quote, `;`, `&`, `,`, `<`, `>`, or a closing bracket that
 * it did not open. In JSON text, `\n` and `\u0026` (`&`) end it too; other escapes, `\"` among them,
 * are part of it.
 */
function unquotedEnd(s: string, from: number): number {
  let depth = 0;
  let i = from;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === C.Nl || c === C.Cr || isQuote(c)) return i;
    if (depth === 0 && (isSpace(c) || c === C.Semi || c === C.Amp || c === C.Comma || c === C.Lt || c === C.Gt)) return i;
    if (c === C.LParen || c === C.LBracket || c === C.LBrace) depth++;
    else if (c === C.RParen || c === C.RBracket || c === C.RBrace) {
      if (depth === 0) return i;
      depth--;
    } else if (c === C.Backslash) {
      // An escaped quote is part of the value (`DB_PASSWORD=ab\"cd` in docker inspect is `ab"cd`);
      // an escaped newline or tab ends it.
      const n = s.charCodeAt(i + 1);
      if (n === 110 || n === 114 || n === 116) return i;
      if (n === 117 && isHex(s.charCodeAt(i + 2)) && isHex(s.charCodeAt(i + 3)) && isHex(s.charCodeAt(i + 4)) && isHex(s.charCodeAt(i + 5))) {
        const code = parseInt(s.slice(i + 2, i + 6), 16);
        if (code === C.Amp || code === C.Lt || code === C.Gt) return i;
        i += 5;
      } else i++;
    }
  }
  return i;
}

/** The end of a parameter list (`Digest username="x", response="y"`): the line, or a quote that closes the header. */
function paramListEnd(s: string, from: number): number {
  let inValue = false;
  let i = from;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === C.Nl || c === C.Cr) return i;
    if (c === C.Backslash && s.charCodeAt(i + 1) === C.Quote) i++;
    else if (c === C.Quote) {
      if (inValue) inValue = false;
      else if (s.charCodeAt(i - 1) === C.Eq) inValue = true;
      else return i;
    }
  }
  return i;
}

function previousWord(s: string, before: number): string {
  let end = before;
  while (end > 0 && before - end < MAX_BLANKS && isBlank(s.charCodeAt(end - 1))) end--;
  let start = end;
  while (start > 0 && end - start < MAX_NAME && !isWordEnd(s.charCodeAt(start - 1))) start--;
  const word = s.slice(start, end);
  return word.slice(word.lastIndexOf('/') + 1);
}

interface Arg {
  start: number;
  end: number;
}

/**
 * The arguments after a program: shell words up to the end of the line or a `;`, `|`, `&`; for a
 * command inside a JSON string, up to the end of that string; for a JSON array, the following
 * strings up to `]`. Bounded by MAX_COMMAND characters and MAX_ARGS words.
 */
function commandArgs(s: string, from: number, mode: 'array' | 'json-string' | 'shell'): { list: Arg[]; end: number } {
  const list: Arg[] = [];
  const limit = mode === 'json-string' ? jsonStringEnd(s, from, from + MAX_COMMAND) : Math.min(s.length, from + MAX_COMMAND);
  let i = from;
  while (i < limit && list.length < MAX_ARGS) {
    const c = s.charCodeAt(i);
    if (mode === 'array') {
      if (c === C.RBracket || c === C.RBrace) break;
      if (c === C.Quote) {
        const close = jsonStringEnd(s, i + 1, limit);
        list.push({ start: i + 1, end: close });
        i = close + 1;
      } else i++;
      continue;
    }
    if (c === C.Nl || c === C.Cr || c === C.Semi || c === C.Pipe || c === C.Amp) break;
    if (isBlank(c)) {
      i++;
      continue;
    }
    const end = shellWordEnd(s, i, limit);
    list.push({ start: i, end });
    i = Math.max(end, i + 1);
  }
  return { list, end: i };
}

/** How far a quote inside a shell word may be from its closing quote. */
const MAX_QUOTED = 256;

/**
 * The end of the shell word at `from`. Quotes inside it do not end it (`-p'secret'`, `-p\"x y\"` in
 * a JSON string) when they close within MAX_QUOTED characters; a quote that does not close is a
 * quote around the whole command, and ends the word.
 */
function shellWordEnd(s: string, from: number, limit: number): number {
  let j = from;
  while (j < limit) {
    const d = s.charCodeAt(j);
    if (isSpace(d)) return j;
    const escapedQuote = d === C.Backslash && s.charCodeAt(j + 1) === C.Quote;
    if (d === C.Apos || d === C.Quote || escapedQuote) {
      const mark = escapedQuote ? '\\"' : s[j] ?? '';
      const close = s.slice(j + mark.length, Math.min(limit, j + mark.length + MAX_QUOTED)).indexOf(mark);
      if (close < 0) return j;
      j += mark.length + close + mark.length;
      continue;
    }
    j++;
  }
  return j;
}

/** Every secret in `text`, as spans to replace, ascending and not overlapping. */
export function findSecrets(text: string): Span[] {
  const spans = new Scanner(text).run();
  // Handlers run left to right, so spans come nearly sorted; only client arguments can come late.
  let sorted = true;
  for (let i = 1; i < spans.length && sorted; i++) sorted = (spans[i - 1]?.start ?? 0) <= (spans[i]?.start ?? 0);
  if (!sorted) spans.sort((a, b) => a.start - b.start);
  const merged: Span[] = [];
  for (const span of spans) {
    const last = merged.at(-1);
    if (last && span.start <= last.end) last.end = Math.max(last.end, span.end);
    else merged.push(span);
  }
  return merged;
}

/** `text` with `spans` replaced. */
export function applySpans(text: string, spans: readonly Span[]): string {
  let out = '';
  let at = 0;
  for (const span of spans) {
    out += text.slice(at, span.start) + span.replacement;
    at = span.end;
  }
  return at === 0 ? text : out + text.slice(at);
}
