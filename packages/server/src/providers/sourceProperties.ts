import { ProviderError } from './ProviderError.js';

/**
 * Readers for provider properties. Type errors use the `strict_fields` wording of 04 §6
 * (`properties.<k> must be a <type>`, the type word as the spec lists it) so a source that reaches
 * a provider without having been validated fails with the same message validation would give.
 */

export function optionalString(properties: Record<string, unknown>, key: string): string | undefined {
  const value = properties[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ProviderError(`properties.${key} must be a string`);
  return value;
}

export function optionalBoolean(properties: Record<string, unknown>, key: string): boolean | undefined {
  const value = properties[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new ProviderError(`properties.${key} must be a boolean`);
  return value;
}

export function optionalObject(properties: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  const value = properties[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new ProviderError(`properties.${key} must be a object`);
  return value as Record<string, unknown>;
}

/** Whether `text` holds an ASCII control character (C0 or DEL); a line break in a header or URL could inject more of them. */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

const DURATION = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/**
 * A duration of 04 §14.2 in whole seconds: `<n>h`, `<n>m`, `<n>s` combinations in that order
 * (`1h30m`, `90s`), a bare number of seconds (YAML `timeout: 60`), or `undefined` when invalid.
 */
export function parseDurationSeconds(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const match = DURATION.exec(text);
  if (match === null || text === '') return undefined;
  const [, h = '0', m = '0', s = '0'] = match;
  return Number(h) * 3600 + Number(m) * 60 + Number(s);
}
