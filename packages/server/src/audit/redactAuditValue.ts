import { createHash } from 'node:crypto';
import { isSensitiveKey, redactValue } from '../sources/redactProperties.js';

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * What an audit event may hold of a domain value (spec 05 §4.6): the sensitive-key redaction of
 * 04 §12 at any depth, and `content` text replaced by its `sha256:` digest, so an event never
 * carries managed content or secrets.
 */
export function redactAuditValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactAuditValue);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, child]) => {
      if (key === 'content' && typeof child === 'string') return [key, DIGEST.test(child) ? child : contentDigest(child)];
      return [key, isSensitiveKey(key) ? redactValue(child) : redactAuditValue(child)];
    }),
  );
}

function contentDigest(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}
