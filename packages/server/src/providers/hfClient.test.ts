import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextLink, retryAfterMs } from './hfClient.js';

describe('nextLink', () => {
  const base = new URL('http://127.0.0.1:8000/api/models?author=contoso&limit=100');

  it('takes the rel="next" target, absolute or relative to the response URL', () => {
    assert.equal(nextLink('<https://huggingface.co/api/models?cursor=abc>; rel="next"', base)?.href, 'https://huggingface.co/api/models?cursor=abc');
    assert.equal(nextLink('</api/models?cursor=2>; rel=next', base)?.href, 'http://127.0.0.1:8000/api/models?cursor=2');
    assert.equal(nextLink('<?cursor=3>; rel="next"', base)?.href, 'http://127.0.0.1:8000/api/models?cursor=3');
  });

  it('finds next among several links and relation types', () => {
    const header = '<http://127.0.0.1:8000/api/models?cursor=0>; rel="prev", <http://127.0.0.1:8000/api/models?cursor=9>; title="more"; rel="last next"';
    assert.equal(nextLink(header, base)?.href, 'http://127.0.0.1:8000/api/models?cursor=9');
    assert.equal(nextLink(['<http://127.0.0.1:8000/a>; rel="prev"', '<http://127.0.0.1:8000/b>; rel="NEXT"'], base)?.href, 'http://127.0.0.1:8000/b');
  });

  it('is undefined without a next link', () => {
    assert.equal(nextLink(undefined, base), undefined);
    assert.equal(nextLink('', base), undefined);
    assert.equal(nextLink('<http://127.0.0.1:8000/a>; rel="prev"', base), undefined);
    assert.equal(nextLink('garbage', base), undefined);
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it('reads Retry-After as seconds or as an HTTP date', () => {
    assert.equal(retryAfterMs({ 'retry-after': '7' }, now), 7000);
    assert.equal(retryAfterMs({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }, now), 30_000);
    assert.equal(retryAfterMs({ 'retry-after': 'Wed, 31 Dec 2025 23:00:00 GMT' }, now), 0, 'a date in the past means now');
  });

  it('falls back to the t= of a RateLimit header, and to nothing', () => {
    assert.equal(retryAfterMs({ ratelimit: '"api";r=0;t=12' }, now), 12_000);
    assert.equal(retryAfterMs({ ratelimit: 'limit=100, remaining=0, t=4' }, now), 4000);
    assert.equal(retryAfterMs({ 'retry-after': 'soon', ratelimit: '"api";r=0;t=2' }, now), 2000);
    assert.equal(retryAfterMs({}, now), undefined);
    assert.equal(retryAfterMs({ ratelimit: 'limit=100' }, now), undefined);
  });
});
