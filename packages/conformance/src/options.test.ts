import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConformanceOptionsError, resolveOptions, type ConformanceOptions } from './options.js';
import { runConformance } from './run/runConformance.js';

describe('conformance options (07 §4.1)', () => {
  test('defaults', () => {
    const options = resolveOptions({ serverUrl: 'http://localhost:8080/' });
    assert.equal(options.serverUrl, 'http://localhost:8080');
    assert.equal(options.mutate, false);
    assert.deepEqual([options.timeoutMs, options.readyTimeoutMs, options.jobTimeoutMs], [10_000, 60_000, 60_000]);
    assert.deepEqual(options.skip, []);
    assert.equal(options.fetch, globalThis.fetch);
  });

  test('skip takes ids and letters, case-insensitive', () => {
    assert.deepEqual(resolveOptions({ serverUrl: 'http://h', skip: ['OpenAPI', 'b', 'J', 'tenancy'] }).skip, ['F', 'B', 'J', 'G']);
  });

  const invalid: [string, ConformanceOptions, RegExp][] = [
    ['no URL', { serverUrl: '' }, /serverUrl must be an absolute http\(s\) URL/],
    ['relative URL', { serverUrl: 'localhost:8080/x' }, /serverUrl/],
    ['unknown category', { serverUrl: 'http://h', skip: ['K'] }, /unknown category "K"/],
    ['zero timeout', { serverUrl: 'http://h', timeoutMs: 0 }, /timeoutMs must be a positive number/],
    ['string ready timeout', { serverUrl: 'http://h', readyTimeoutMs: '5' as unknown as number }, /readyTimeoutMs/],
    ['identity field', { serverUrl: 'http://h', identity: { name: 'x' } as never }, /identity\.name is not an identity field/],
    ['groups not a list', { serverUrl: 'http://h', deniedIdentity: { groups: 'a' as never } }, /deniedIdentity\.groups must be an array/],
    ['empty user', { serverUrl: 'http://h', reviewerIdentity: { user: '' } }, /reviewerIdentity\.user must be a non-empty string/],
    ['empty fixture', { serverUrl: 'http://h', fixtures: { mcp: ' ' } }, /fixtures\.mcp must be non-empty text/],
    ['unknown cap', { serverUrl: 'http://h', expectedCaps: { hasWings: true } as never }, /expectedCaps\.hasWings is unknown/],
    ['same namespaces', { serverUrl: 'http://h', namespace: 'a', otherNamespace: 'a' }, /otherNamespace must differ/],
    ['mutate not boolean', { serverUrl: 'http://h', mutate: 'yes' as never }, /mutate must be a boolean/],
  ];
  for (const [name, options, message] of invalid) {
    test(`rejects: ${name}`, async () => {
      assert.throws(() => resolveOptions(options), (e: Error) => e instanceof ConformanceOptionsError && message.test(e.message));
      await assert.rejects(runConformance(options), ConformanceOptionsError);
    });
  }
});
