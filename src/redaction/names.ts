/**
 * Which names (environment variables, flags, JSON and YAML keys, headers, query parameters) mark
 * their value as secret, and which values are not worth hiding. Pure; used by the scanner and by
 * `Redactor.deep` for object keys.
 */

export interface SecretName {
  /**
   * `strong`: the name says password, secret, token, credential, cookie or a qualified key
   * (`ApiKey`, `AccountKey`). `weak`: only `key`, `auth`, `pass` or `sig` (`SSH_KEY`, `SandboxKey`),
   * whose values are kept when they are file paths.
   */
  strength: 'strong' | 'weak';
  /** The name is that one weak word alone (`key`, `auth`, `pass`, `sig`): only some separators count. */
  lone: string | undefined;
}

/** Any word containing one of these makes the name strong. */
const STRONG_PART = /password|passwd|passphrase|secret|token|credential|authorization|cookie|bearer/;
/** Whole words that make the name strong. */
const STRONG_WORD = new Set(['pwd', 'pw', 'pswd', 'creds', 'jwt', 'sas', 'requirepass', 'masterauth', 'passin', 'passout']);
/** `<qualifier>key` or `<qualifier> key`: a key that is a secret (`ApiKey`, `ACCOUNT_KEY`, `SharedAccessKey`). */
const KEY_QUALIFIERS = new Set([
  'api', 'access', 'account', 'private', 'secret', 'session', 'master', 'signing', 'encryption', 'auth', 'client',
  'license', 'shared', 'sharedaccess', 'storage', 'service', 'admin', 'root', 'hmac', 'webhook', 'deploy', 'consumer',
  'subscription', 'primary', 'secondary', 'crypt', 'cipher', 'aes', 'otp', 'totp', 'mfa', 'recovery', 'app', 'ssh',
  'instrumentation', 'cookie', 'jwt', 'token', 'write', 'read', 'ingest', 'ingestion', 'management', 'user',
]);
/** `<qualifier>pass` (`SSHPASS`, `DBPASS`): a password. `bypass`, `compass` are not. */
const PASS_COMPOUND = /^(?:ssh|db|require|user|admin|root|mysql|redis|smtp|mail|ftp|ldap|bind|proxy|master|auth|sql|pg|mongo|rabbit|amqp|http|basic|app|api|store|key)pass$/;
/** Keys that index data, not doors: `routing_key`, `PARTITION_KEY`, `GPG_KEY` (a public fingerprint). */
const KEY_NOT_SECRET = new Set([
  'routing', 'partition', 'sort', 'cache', 'object', 'lookup', 'foreign', 'group', 'dedup', 'idempotency', 'index',
  'cluster', 'shard', 'row', 'composite', 'unique', 'natural', 'surrogate', 'map', 'sandbox', 'public', 'pub', 'gpg',
  'gpgkey', 'gpgkeys', 'fingerprint', 'known', 'hot', 'range', 'hash',
]);
/** A last word that makes the value about the secret, not the secret itself: `KEY_FILE`, `TOKEN_URL`, `SharedAccessKeyName`. */
const META_SUFFIX = new Set([
  'file', 'files', 'path', 'paths', 'dir', 'directory', 'folder', 'url', 'uri', 'urls', 'endpoint', 'host', 'hostname', 'port',
  'ttl', 'timeout', 'expiry', 'expires', 'expiration', 'expire', 'lifetime', 'duration', 'interval', 'length', 'len', 'size',
  'bits', 'type', 'kind', 'alg', 'algorithm', 'algo', 'version', 'stdin', 'sock', 'socket', 'format', 'prefix', 'suffix',
  'count', 'enabled', 'disabled', 'enable', 'required', 'mode', 'method', 'provider', 'backend', 'strategy', 'scheme',
  'source', 'mechanism', 'realm', 'domain', 'plugin', 'name', 'names', 'user', 'username', 'login', 'email', 'region',
  'location', 'arn', 'mount', 'store', 'env', 'var', 'field', 'policy', 'rotation', 'retries', 'limit', 'min', 'max',
  'ids', 'cmd', 'command', 'helper', 'agent', 'server', 'reset',
]);
/** Last words that are meta only for weak names: `AWS_ACCESS_KEY_ID` is an id, `VAULT_SECRET_ID` is a secret. */
const WEAK_META_SUFFIX = new Set(['id', 'ref', 'refs']);
/** The shell's working directories, or ODBC's password: `PWD=/root` in a sudo log line, `PWD=x;` in a connection string. */
const SHELL_PWD = new Set(['PWD', 'OLDPWD']);
/** Config keys whose value follows a space: `requirepass foobared` in redis.conf. */
export const SPACE_SEPARATED_NAMES = new Set(['requirepass', 'masterauth']);

/** `DB_PASSWORD` → db password; `SharedAccessKeyName` → shared access key name; `ephemeralDHKeySize` → ephemeral dh key size. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

const WEAK_WORDS = new Set(['key', 'auth', 'pass', 'sig', 'signature']);

/** Names seen recently: host output repeats the same few (`SandboxKey`, `DB_PASSWORD`) thousands of times. */
const seen = new Map<string, SecretName | undefined>();
const SEEN_MAX = 4096;

/** Whether `name` marks its value as secret, and how strongly; undefined when it does not. */
export function classifyName(name: string): SecretName | undefined {
  if (seen.has(name)) return seen.get(name);
  if (seen.size >= SEEN_MAX) seen.clear();
  const kind = classify(name);
  seen.set(name, kind);
  return kind;
}

function classify(name: string): SecretName | undefined {
  // The shell's working directory (`PWD=/root` in a sudo line) is a path; ODBC's `PWD=` is a password.
  if (SHELL_PWD.has(name)) return { strength: 'weak', lone: undefined };
  const words = nameWords(name);
  const last = words.at(-1);
  if (last === undefined || META_SUFFIX.has(last)) return undefined;
  let strong = false;
  let weak = false;
  words.forEach((word, i) => {
    const next = words[i + 1];
    if (STRONG_PART.test(word) || STRONG_WORD.has(word) || PASS_COMPOUND.test(word)) strong = true;
    else if (word.endsWith('key') && KEY_QUALIFIERS.has(word.slice(0, -3))) strong = true;
    else if (next === 'key' && KEY_QUALIFIERS.has(word) && !words.some((w) => KEY_NOT_SECRET.has(w))) strong = true;
    else if (word === 'pass' && words.length > 1) strong = true;
    else if (WEAK_WORDS.has(word)) weak = true;
  });
  if (strong) return { strength: 'strong', lone: undefined };
  if (!weak || WEAK_META_SUFFIX.has(last) || words.some((w) => KEY_NOT_SECRET.has(w))) return undefined;
  return { strength: 'weak', lone: words.length === 1 ? words[0] : undefined };
}

/** Values that say nothing: booleans, placeholders, masks, references to another variable. */
const NOT_A_SECRET = /^(?:true|false|yes|no|on|off|none|null|nil|\(null\)|undefined|disabled|enabled|required|optional|prompt|redacted|\[redacted\]|\*+|x{3,}|\[\]|\{\}|\$[A-Za-z_][A-Za-z0-9_]*|\$\{[A-Za-z_][A-Za-z0-9_]*\}|(?:env|fd):[A-Za-z0-9_]+|stdin|[|>][-+]?[0-9]?)$/i;
/** An absolute path three segments deep (`/run/secrets/db`, `file:///etc/mesos/credential`): kept for any name. */
const DEEP_PATH = /^(?:file:\/\/)?\/[\w.@+-]+\/[\w.@+-]+\/[\w.@+/-]*$/;
/** A path or a key file's name (`/certs/key.pem`, `server-key.pem`): kept for weak names (`--tlskey`, `SandboxKey`). */
const FILE_LIKE = /^(?:(?:\.{0,2}\/|~\/|file:\/\/)[\w.@+/-]*|[\w.@+-]+\.(?:pem|key|crt|cer|der|p8|p12|pfx|jks|keystore|pub|asc|gpg|json|ya?ml|conf|txt))$/i;
/**
 * A lone `key=` is an API key only when it is long and has a digit, or is very long (`?key=AIza…`);
 * `key="docker"` in an audit record is a rule name, `key="ClearTextPassword"` names a setting.
 */
const LONE_KEY_MIN_LENGTH = 16;

export const REDACTED = '[REDACTED]';

/** An empty value, a boolean, a mask, a reference to another variable, or what redaction already wrote. */
export function isPlaceholder(value: string): boolean {
  return value === '' || value === REDACTED || NOT_A_SECRET.test(value);
}

/** Whether `value`, found under a name classified as `name`, should be hidden. */
export function isSecretValue(name: SecretName, value: string): boolean {
  if (isPlaceholder(value) || DEEP_PATH.test(value)) return false;
  if (name.strength === 'weak' && FILE_LIKE.test(value)) return false;
  if (name.lone === 'key' && !(value.length >= LONE_KEY_MIN_LENGTH && (/[0-9]/.test(value) || value.length >= 2 * LONE_KEY_MIN_LENGTH))) return false;
  return true;
}

/** For object keys and environment variables: lone weak words (`key`, `auth`) are too vague on their own. */
export function isSecretName(name: string): boolean {
  const kind = classifyName(name);
  return kind !== undefined && kind.lone === undefined;
}
