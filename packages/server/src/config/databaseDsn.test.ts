import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { UsageError } from '../errors.js';
import { normalizeDsn, redactDsn } from './databaseDsn.js';

/** What `pg` itself makes of a connection string (the client is never connected). */
function pgParameters(connectionString: string): Record<string, unknown> {
  const client = new pg.Client({ connectionString }) as unknown as { connectionParameters: Record<string, unknown> };
  const { user, password, host, port, database, ssl } = client.connectionParameters;
  return { user, password, host, port, database, ssl };
}

describe('normalizeDsn', () => {
  it('keeps URL-form DSNs unchanged', () => {
    const url = 'postgres://user:pw@host:5432/db?sslmode=disable';
    assert.equal(normalizeDsn('DATABASE_DSN', url), url);
    assert.equal(normalizeDsn('DATABASE_DSN', ' postgresql://db.example.com/catalog '), 'postgresql://db.example.com/catalog');
    assert.equal(normalizeDsn('DATABASE_DSN', 'postgres://u:p@/db?host=/var/run/postgresql'), 'postgres://u:p@/db?host=/var/run/postgresql');
  });

  it('rewrites the libpq key/value form into a URL that pg reads the same way', () => {
    const url = normalizeDsn('DATABASE_DSN', 'host=pg user=catalog password=x dbname=catalog sslmode=disable');
    assert.equal(url, 'postgresql://catalog:x@pg/catalog?sslmode=disable');
    assert.deepEqual(pgParameters(url), { user: 'catalog', password: 'x', host: 'pg', port: 5432, database: 'catalog', ssl: false });
  });

  it('handles quoting, escapes, spaces around "=" and special characters', () => {
    const url = normalizeDsn('DATABASE_DSN', String.raw`host = db.internal port=6543 user='cat alog' password='p@ss:w/o\'rd\\' dbname=my/db%1`);
    assert.deepEqual(pgParameters(url), {
      user: 'cat alog',
      password: "p@ss:w/o'rd\\",
      host: 'db.internal',
      port: 6543,
      database: 'my/db%1',
      ssl: false,
    });
  });

  it('brackets IPv6 hosts and carries socket directories as query parameters', () => {
    assert.deepEqual(pgParameters(normalizeDsn('DATABASE_DSN', 'host=::1 port=5433 user=u dbname=d')), {
      user: 'u', password: null, host: '::1', port: 5433, database: 'd', ssl: false,
    });
    assert.deepEqual(pgParameters(normalizeDsn('DATABASE_DSN', 'host=/var/run/postgresql user=u password=secret dbname=d')), {
      user: 'u', password: 'secret', host: '/var/run/postgresql', port: 5432, database: 'd', ssl: false,
    });
  });

  it('passes the other libpq options through', () => {
    const url = normalizeDsn('DATABASE_DSN', 'host=pg dbname=d application_name=catalog sslmode=require');
    assert.equal(url, 'postgresql://pg/d?application_name=catalog&sslmode=require');
  });

  it('refuses malformed DSNs without echoing them', () => {
    const cases: Array<[string, string]> = [
      ['mysql://user:secret@host/db', 'unknown connection option "mysql"'],
      ['host=pg password=secret bogus=1', 'unknown connection option "bogus"'],
      ['host=pg password', 'missing "=" after "password"'],
      ["host=pg password='secret", 'unterminated quoted value for "password"'],
      ['host=pg port=abc password=secret', 'port must be a number'],
      ['host=pg password=secret dbname=a?b', 'dbname must not contain "?" or "#"'],
      ["host='a b' password=secret", 'host is not a valid host name or address'],
      ['postgres://user:secret@ho st:99999/db', 'it is not a valid URL'],
    ];
    for (const [dsn, reason] of cases) {
      assert.throws(
        () => normalizeDsn('--db-dsn', dsn),
        (error: unknown) =>
          error instanceof UsageError &&
          error.message ===
            `invalid value for --db-dsn: expected a PostgreSQL URL (postgres://…) or a libpq key/value string (${reason})` &&
          !error.message.includes('secret'),
        dsn,
      );
    }
  });
});

describe('redactDsn', () => {
  it('hides the password of URL DSNs, in the authority and in the query', () => {
    assert.equal(redactDsn('postgres://user:pw@host:5432/db?sslmode=disable'), 'postgres://user:***@host:5432/db?sslmode=disable');
    assert.equal(redactDsn('postgresql:///d?user=u&password=a+b&host=%2Fsock'), 'postgresql:///d?user=u&password=***&host=%2Fsock');
    assert.equal(redactDsn('postgres://us:p@ss@host/db'), 'postgres://us:***@host/db');
  });

  it('leaves DSNs without a password alone', () => {
    assert.equal(redactDsn('postgres://user@host/db'), 'postgres://user@host/db');
    assert.equal(redactDsn('postgres://host/db'), 'postgres://host/db');
  });

  it('hides the password of key/value DSNs', () => {
    assert.equal(redactDsn("host=pg user=catalog password='x y' dbname=catalog"), 'host=pg user=catalog password=*** dbname=catalog');
  });

  it('hides unparsable input entirely', () => {
    assert.equal(redactDsn("password='unterminated secret"), '***');
  });
});
