import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../errors.js';
import { parseListenAddress } from './listenAddress.js';

describe('parseListenAddress', () => {
  it('parses host:port', () => {
    assert.deepEqual(parseListenAddress('--listen', '127.0.0.1:8080'), { host: '127.0.0.1', port: 8080 });
    assert.deepEqual(parseListenAddress('--listen', 'localhost:1'), { host: 'localhost', port: 1 });
    assert.deepEqual(parseListenAddress('--listen', 'catalog.svc.cluster.local:65535'), { host: 'catalog.svc.cluster.local', port: 65535 });
    assert.deepEqual(parseListenAddress('--listen', '0.0.0.0:80'), { host: '0.0.0.0', port: 80 });
  });

  it('reads :port as every interface', () => {
    assert.deepEqual(parseListenAddress('--listen', ':8080'), { host: null, port: 8080 });
  });

  it('reads bracketed IPv6 literals', () => {
    assert.deepEqual(parseListenAddress('--listen', '[::1]:8080'), { host: '::1', port: 8080 });
    assert.deepEqual(parseListenAddress('--listen', '[::]:9000'), { host: '::', port: 9000 });
    assert.deepEqual(parseListenAddress('--listen', '[fe80::1%eth0]:9000').port, 9000);
  });

  it('allows port 0 for a free port', () => {
    assert.deepEqual(parseListenAddress('CATALOG_LISTEN', '127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
    assert.deepEqual(parseListenAddress('CATALOG_LISTEN', ':0'), { host: null, port: 0 });
  });

  it('refuses malformed addresses with exit code 2, naming the flag or variable', () => {
    const invalid = ['8080', 'localhost', ':', 'host:', ':65536', ':99999', ':-1', ':80a', '::1:8080', '[::1]', '[::1:8080', '[zz]:80', 'a b:80', '-host:80', 'host:+80', 'host:0x50'];
    for (const value of invalid) {
      assert.throws(
        () => parseListenAddress('CATALOG_LISTEN', value),
        (error: unknown) =>
          error instanceof UsageError &&
          error.exitCode === 2 &&
          error.message ===
            `invalid value "${value}" for CATALOG_LISTEN: expected host:port, :port or [ipv6]:port with a port from 0 to 65535`,
        value,
      );
    }
  });
});
