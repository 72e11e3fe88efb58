import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { redactAuditValue } from './redactAuditValue.js';

const digest = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

test('sensitive keys are redacted at any depth, in arrays too; other keys and secret references stay', () => {
  const value = {
    id: 'src',
    properties: {
      apiKey: 's3cr3t',
      headers: [{ Authorization: 'Bearer abc' }],
      auth: { nested: { clientSecret: ['a', 'b'], maxTokens: 5, tokenizer: 'bpe' } },
      password: { env: 'CATALOG_SECRET_DB' },
    },
  };
  assert.deepEqual(redactAuditValue(value), {
    id: 'src',
    properties: {
      apiKey: '***REDACTED***',
      headers: [{ Authorization: '***REDACTED***' }],
      auth: { nested: { clientSecret: ['***REDACTED***', '***REDACTED***'], maxTokens: 5, tokenizer: 'bpe' } },
      password: { env: 'CATALOG_SECRET_DB' },
    },
  });
});

test('content text becomes its sha256 digest at any depth; digests, scalars and arrays pass through', () => {
  assert.deepEqual(redactAuditValue({ properties: { content: 'models:\n  - a' }, versions: [{ content: 'x' }] }), {
    properties: { content: digest('models:\n  - a') },
    versions: [{ content: digest('x') }],
  });
  const already = digest('y');
  assert.deepEqual(redactAuditValue({ content: already }), { content: already });
  assert.equal(redactAuditValue('plain'), 'plain');
  assert.equal(redactAuditValue(undefined), undefined);
  assert.deepEqual(redactAuditValue([1, null, { token: 't' }]), [1, null, { token: '***REDACTED***' }]);
});
