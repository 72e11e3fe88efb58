import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../errors.js';
import { helpText, parseCommandLine, VALUE_FLAGS } from './commandLine.js';

function usageMessage(argv: string[]): string {
  try {
    parseCommandLine(argv);
  } catch (error) {
    assert.ok(error instanceof UsageError);
    assert.equal(error.exitCode, 2);
    return error.message;
  }
  assert.fail('expected a UsageError');
}

describe('parseCommandLine', () => {
  it('accepts --flag=value, --flag value and -flag=value', () => {
    const { values } = parseCommandLine(['--listen=:8080', '--sources', 'a.yaml', '-db-type=postgres', '-db-dsn', 'host=pg']);
    assert.deepEqual(Object.fromEntries(values), { listen: ':8080', sources: 'a.yaml', 'db-type': 'postgres', 'db-dsn': 'host=pg' });
  });

  it('knows every flag of spec 01 §2.1', () => {
    const argv = Object.keys(VALUE_FLAGS).map((flag) => `--${flag}=x`);
    assert.equal(parseCommandLine(argv).values.size, 7);
    assert.deepEqual(Object.keys(VALUE_FLAGS), ['listen', 'sources', 'db-type', 'db-dsn', 'data-dir', 'config-store', 'log-level']);
  });

  it('keeps "=" inside values and empty values', () => {
    const { values } = parseCommandLine(['--db-dsn=host=pg user=a', '--log-level=']);
    assert.equal(values.get('db-dsn'), 'host=pg user=a');
    assert.equal(values.get('log-level'), '');
  });

  it('takes the next argument as the value whatever it looks like, and the last repetition wins', () => {
    assert.equal(parseCommandLine(['--sources', '--weird.yaml']).values.get('sources'), '--weird.yaml');
    assert.equal(parseCommandLine(['--listen=:1', '--listen', ':2']).values.get('listen'), ':2');
  });

  it('recognizes --help and --version in both dash forms', () => {
    assert.equal(parseCommandLine(['--help']).help, true);
    assert.equal(parseCommandLine(['-help']).help, true);
    assert.equal(parseCommandLine(['--version']).version, true);
    assert.equal(parseCommandLine(['-version']).version, true);
    assert.deepEqual(parseCommandLine([]), { values: new Map(), help: false, version: false });
  });

  it('refuses unknown flags, missing values, stray arguments and values for --help', () => {
    assert.equal(usageMessage(['--port=8080']), 'unknown flag "--port"');
    assert.equal(usageMessage(['-x']), 'unknown flag "-x"');
    assert.equal(usageMessage(['--']), 'unknown flag "--"');
    assert.equal(usageMessage(['---listen=:1']), 'unknown flag "---listen=:1"');
    assert.equal(usageMessage(['--LISTEN=:1']), 'unknown flag "--LISTEN"');
    assert.equal(usageMessage(['--listen']), 'flag --listen requires a value');
    assert.equal(usageMessage(['serve']), 'unexpected argument "serve"');
    assert.equal(usageMessage(['--help=true']), 'flag --help does not take a value');
  });
});

describe('helpText', () => {
  it('lists every flag with its environment variable and default', () => {
    const text = helpText({ sourcesPath: '/opt/catalog/config/sources.yaml', uiDir: '/ui', version: '1.0.0' });
    for (const [flag, { env, arg }] of Object.entries(VALUE_FLAGS)) {
      assert.match(text, new RegExp(`--${flag} <${arg}>`));
      assert.match(text, new RegExp(`env ${env}, default `));
    }
    for (const expected of [
      'default 127.0.0.1:8080',
      'default /opt/catalog/config/sources.yaml',
      'default pglite, or postgres when a DSN is given',
      'default empty',
      'default ./data',
      'default file',
      'default info',
      '--help',
      '--version',
    ]) {
      assert.ok(text.includes(expected), expected);
    }
  });
});
