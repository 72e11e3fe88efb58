import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSensitiveKey, REDACTED, redactProperties } from './redactProperties.js';

test('the sensitive-key rule of spec 04 §12, including its counter-examples', () => {
  for (const key of ['password', 'dbPassword', 'db_password', 'accesstoken', 'authToken', 'client_secret', 'apiKey', 'api_key', 'APIKEY', 'X-API-Key', 'Authorization', 'credentials', 'privateKey']) {
    assert.equal(isSensitiveKey(key), true, key);
  }
  for (const key of ['tokenizer', 'tokenizerConfig', 'max_tokens', 'maxTokens', 'apiKeyEnvVar', 'secretName', 'tokenUrl', 'passwordFile', 'keyword', 'monkey']) {
    assert.equal(isSensitiveKey(key), false, key);
  }
});

test('redaction reaches every depth, keeps secret references and never touches content', () => {
  const redacted = redactProperties({
    content: 'password: hunter2',
    authToken: 's3cr3t',
    apiKey: { env: 'CATALOG_SECRET_HF' },
    headers: { 'X-API-Key': 'abc', Accept: 'application/yaml' },
    nested: { deeper: [{ client_secret: 'x' }], tokenizer: 'bpe' },
    password: ['a', 1, null],
  });
  assert.deepEqual(redacted, {
    content: 'password: hunter2',
    authToken: REDACTED,
    apiKey: { env: 'CATALOG_SECRET_HF' },
    headers: { 'X-API-Key': REDACTED, Accept: 'application/yaml' },
    nested: { deeper: [{ client_secret: REDACTED }], tokenizer: 'bpe' },
    password: [REDACTED, 1, null],
  });
});
