import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../errors.js';
import { isDns1123Label, isDns1123Subdomain, parseBoolean, parseEnum, parseInteger, parseOriginList, splitList } from './values.js';

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof UsageError);
    assert.equal(error.exitCode, 2);
    return error.message;
  }
  assert.fail('expected a UsageError');
}

describe('parseBoolean', () => {
  it('accepts true, false, 1, 0, yes, no in any case and surrounding blanks', () => {
    for (const word of ['true', 'TRUE', 'True', '1', 'yes', 'YES', ' yes ']) assert.equal(parseBoolean('X', word), true);
    for (const word of ['false', 'FALSE', 'False', '0', 'no', 'No', '\tno\n']) assert.equal(parseBoolean('X', word), false);
  });

  it('refuses anything else, naming the variable', () => {
    for (const word of ['on', 'off', 'y', 'n', '2', 'truee', '']) {
      assert.equal(
        usageMessage(() => parseBoolean('CATALOG_UI_ENABLED', word)),
        `invalid value "${word}" for CATALOG_UI_ENABLED: expected a boolean (true, false, 1, 0, yes, no)`,
      );
    }
  });
});

describe('parseInteger', () => {
  it('parses decimal integers', () => {
    assert.equal(parseInteger('X', '42', 1), 42);
    assert.equal(parseInteger('X', ' 7 ', 1), 7);
    assert.equal(parseInteger('X', '010', 1), 10);
    assert.equal(parseInteger('X', '0', 0), 0);
    assert.equal(parseInteger('X', '9007199254740991', 1), Number.MAX_SAFE_INTEGER);
  });

  it('uses the exact message of spec 01 §2.3 for positive integers', () => {
    assert.equal(
      usageMessage(() => parseInteger('CATALOG_JOB_CONCURRENCY', 'abc', 1)),
      'invalid value "abc" for CATALOG_JOB_CONCURRENCY: expected a positive integer',
    );
  });

  it('refuses zero where a positive integer is required', () => {
    assert.equal(
      usageMessage(() => parseInteger('CATALOG_JOB_CONCURRENCY', '0', 1)),
      'invalid value "0" for CATALOG_JOB_CONCURRENCY: expected a positive integer',
    );
  });

  it('refuses signs, fractions, exponents, hex, blanks and unsafe magnitudes', () => {
    for (const text of ['-1', '+1', '1.5', '1e3', '0x10', '', ' ', '1 000', '9007199254740992', 'Infinity']) {
      assert.equal(
        usageMessage(() => parseInteger('CATALOG_AUDIT_RETENTION_DAYS', text, 0)),
        `invalid value "${text}" for CATALOG_AUDIT_RETENTION_DAYS: expected a non-negative integer`,
      );
    }
  });
});

describe('parseEnum', () => {
  it('accepts exactly the listed values', () => {
    assert.equal(parseEnum('X', ' sar ', ['none', 'role', 'sar']), 'sar');
  });

  it('lists the allowed values when refusing one', () => {
    assert.equal(
      usageMessage(() => parseEnum('CATALOG_AUTHZ_MODE', 'SAR', ['none', 'role', 'sar'])),
      'invalid value "SAR" for CATALOG_AUTHZ_MODE: expected one of none, role, sar',
    );
  });
});

describe('splitList', () => {
  it('trims, drops empty entries and keeps the first of duplicates', () => {
    assert.deepEqual(splitList(' b, a,,b , c,'), ['b', 'a', 'c']);
    assert.deepEqual(splitList('/a::/b', ':'), ['/a', '/b']);
    assert.deepEqual(splitList(' , '), []);
  });
});

describe('DNS-1123 names', () => {
  it('recognizes labels', () => {
    for (const valid of ['a', '123', 'my-team-ns', 'a'.repeat(63)]) assert.equal(isDns1123Label(valid), true, valid);
    for (const invalid of ['Team-A', 'team@a', 'team_a!', '-team', 'team-', '', 'a'.repeat(64), 'a.b']) {
      assert.equal(isDns1123Label(invalid), false, invalid);
    }
  });

  it('recognizes subdomains', () => {
    assert.equal(isDns1123Subdomain('catalog-server-leader'), true);
    assert.equal(isDns1123Subdomain('a.b-c.d'), true);
    assert.equal(isDns1123Subdomain('a..b'), false);
    assert.equal(isDns1123Subdomain('Leader'), false);
    assert.equal(isDns1123Subdomain(`${'a'.repeat(63)}.`.repeat(4) + 'a'), false);
  });
});

describe('parseOriginList', () => {
  it('normalizes origins as browsers send them', () => {
    assert.deepEqual(parseOriginList('X', 'https://UI.Example.com:443, http://localhost:5173/, https://ui.example.com'), [
      'https://ui.example.com',
      'http://localhost:5173',
    ]);
  });

  it('refuses anything that is not a bare http(s) origin', () => {
    for (const entry of ['*', 'example.com', 'ftp://example.com', 'https://example.com/path', 'https://u:p@example.com', 'https://example.com?x', 'https://example.com#f']) {
      assert.equal(
        usageMessage(() => parseOriginList('CATALOG_HF_ALLOWED_URLS', entry)),
        `invalid value "${entry}" for CATALOG_HF_ALLOWED_URLS: expected a comma-separated list of http(s) origins (scheme://host[:port])`,
      );
    }
  });
});
