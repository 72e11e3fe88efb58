import { isIPv6 } from 'node:net';
import { UsageError } from '../errors.js';

/**
 * PostgreSQL connection strings (spec 01 §2.1 `--db-dsn`). Deployments carry both the URL form and
 * the libpq key/value form; `pg` only understands URLs, so key/value strings are rewritten into an
 * equivalent URL. Messages never quote the value, because it may hold a password.
 */

const URL_FORM = /^postgres(ql)?:\/\//i;

/** libpq's connection keywords; anything else is a typo that libpq itself would refuse. */
const LIBPQ_KEYWORDS = new Set([
  'host', 'hostaddr', 'port', 'dbname', 'user', 'password', 'passfile', 'require_auth', 'channel_binding',
  'connect_timeout', 'client_encoding', 'options', 'application_name', 'fallback_application_name',
  'keepalives', 'keepalives_idle', 'keepalives_interval', 'keepalives_count', 'tcp_user_timeout',
  'replication', 'gssencmode', 'sslmode', 'requiressl', 'sslnegotiation', 'sslcompression', 'sslcert',
  'sslkey', 'sslkeylogfile', 'sslpassword', 'sslcertmode', 'sslrootcert', 'sslcrl', 'sslcrldir', 'sslsni',
  'requirepeer', 'ssl_min_protocol_version', 'ssl_max_protocol_version', 'krbsrvname', 'gsslib',
  'gssdelegation', 'service', 'target_session_attrs', 'load_balance_hosts',
]);

const REDACTED = '***';

/** Returns a `postgres://` URL for `pg`'s `connectionString`; URL-form input is returned unchanged. */
export function normalizeDsn(name: string, value: string): string {
  const text = value.trim();
  if (URL_FORM.test(text)) {
    if (!isParsableUrl(text)) throw invalidDsn(name, 'it is not a valid URL');
    return text;
  }
  const entries = parseKeyValueDsn(text);
  if (typeof entries === 'string') throw invalidDsn(name, entries);
  const url = keyValueToUrl(entries);
  if (!isParsableUrl(url)) throw invalidDsn(name, 'host is not a valid host name or address');
  return url;
}

/** The DSN with its password replaced by `***`, for logs and messages. Unparsable input is hidden whole. */
export function redactDsn(dsn: string): string {
  const text = dsn.trim();
  if (URL_FORM.test(text)) return redactUrlDsn(text);
  const entries = parseKeyValueDsn(text);
  if (typeof entries === 'string') return REDACTED;
  return entries
    .map(([key, value]) => `${key}=${key === 'password' ? REDACTED : quoteKeyValue(value)}`)
    .join(' ');
}

function invalidDsn(name: string, reason: string): UsageError {
  return new UsageError(
    `invalid value for ${name}: expected a PostgreSQL URL (postgres://…) or a libpq key/value string (${reason})`,
  );
}

/** `pg` retries URLs whose credentials precede an empty host (`user@/db?host=/socket`) with a placeholder host. */
function isParsableUrl(text: string): boolean {
  for (const candidate of [text, text.replace('@/', '@placeholder/')]) {
    try {
      new URL(candidate);
      return true;
    } catch {
      // try the next spelling
    }
  }
  return false;
}

function redactUrlDsn(text: string): string {
  const schemeEnd = text.indexOf('://') + 3;
  const rest = text.slice(schemeEnd);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  const afterAuthority = authorityEnd < 0 ? '' : rest.slice(authorityEnd);

  let redactedAuthority = authority;
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    const colon = userinfo.indexOf(':');
    if (colon >= 0) redactedAuthority = `${userinfo.slice(0, colon)}:${REDACTED}${authority.slice(at)}`;
  }
  const redactedTail = afterAuthority.replace(/([?&]password=)[^&#]*/gi, `$1${REDACTED}`);
  return text.slice(0, schemeEnd) + redactedAuthority + redactedTail;
}

type KeyValueEntries = Array<[key: string, value: string]>;

/**
 * libpq conninfo syntax: `key = value` pairs separated by whitespace; a value is either single-quoted
 * (with `\'` and `\\` escapes) or runs to the next whitespace (with backslash escapes). Returns a
 * reason string instead of throwing so that redaction can reuse it without echoing anything.
 */
function parseKeyValueDsn(text: string): KeyValueEntries | string {
  const entries: KeyValueEntries = [];
  let i = 0;
  const skipSpace = (): void => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  skipSpace();
  if (i === text.length) return 'it is empty';
  while (i < text.length) {
    const keyStart = i;
    while (i < text.length && /[A-Za-z0-9_]/.test(text[i])) i++;
    const key = text.slice(keyStart, i);
    if (key === '') return 'expected key=value pairs';
    if (!LIBPQ_KEYWORDS.has(key)) return `unknown connection option "${key}"`;
    skipSpace();
    if (text[i] !== '=') return `missing "=" after "${key}"`;
    i++;
    skipSpace();
    let value = '';
    if (text[i] === "'") {
      i++;
      for (;;) {
        if (i >= text.length) return `unterminated quoted value for "${key}"`;
        const char = text[i++];
        if (char === "'") break;
        value += char === '\\' && i < text.length ? text[i++] : char;
      }
    } else {
      while (i < text.length && !/\s/.test(text[i])) {
        const char = text[i++];
        value += char === '\\' && i < text.length ? text[i++] : char;
      }
    }
    if (key === 'port' && !/^\d+$/.test(value)) return 'port must be a number';
    if (key === 'dbname' && /[?#]/.test(value)) return 'dbname must not contain "?" or "#"';
    entries.push([key, value]);
    skipSpace();
  }
  return entries;
}

function quoteKeyValue(value: string): string {
  return value === '' || /[\s'\\]/.test(value) ? `'${value.replace(/[\\']/g, '\\$&')}'` : value;
}

/**
 * A single TCP host goes into the authority together with port and credentials. A socket directory,
 * a host list or no host at all cannot be written there (a URL cannot carry credentials without a
 * host), so then everything becomes a query parameter, which `pg` reads as well.
 */
function keyValueToUrl(entries: KeyValueEntries): string {
  const settings = new Map(entries);
  const host = settings.get('host') ?? settings.get('hostaddr') ?? '';
  const dbname = settings.get('dbname');
  for (const key of ['host', 'hostaddr', 'dbname']) settings.delete(key);

  let authority = '';
  if (host !== '' && !host.includes('/') && !host.includes(',')) {
    const user = settings.get('user');
    const password = settings.get('password');
    const port = settings.get('port');
    for (const key of ['user', 'password', 'port']) settings.delete(key);
    if (user !== undefined || password !== undefined) {
      const encodedPassword = password === undefined ? '' : `:${encodeURIComponent(password)}`;
      authority = `${encodeURIComponent(user ?? '')}${encodedPassword}@`;
    }
    authority += isIPv6(host) ? `[${host}]` : host;
    if (port !== undefined) authority += `:${port}`;
  } else if (host !== '') {
    settings.set('host', host);
  }

  const query = new URLSearchParams([...settings]);
  // pg decodes the path with decodeURI, which leaves escaped reserved characters such as %2F alone.
  const path = dbname === undefined ? '' : `/${encodeURI(dbname)}`;
  const search = query.size > 0 ? `?${query.toString()}` : '';
  return `postgresql://${authority}${path}${search}`;
}
