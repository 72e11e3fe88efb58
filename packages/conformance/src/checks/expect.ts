import { isRecord } from '../run/capabilities.js';
import type { CheckHandle, HttpResult } from '../run/RunContext.js';

// Assertion helpers shared by the core categories: each failure message says what was seen.

export function describeBody(result: HttpResult): string {
  const text = result.text.length > 200 ? `${result.text.slice(0, 200)}…` : result.text;
  return text === '' ? '(empty body)' : text;
}

export function expectStatus(t: CheckHandle, result: HttpResult, ...statuses: number[]): void {
  if (!statuses.includes(result.status)) t.fail(`expected ${statuses.join(' or ')}, got ${result.status}: ${describeBody(result)}`);
}

export function expectObject(t: CheckHandle, result: HttpResult): Record<string, unknown> {
  if (!isRecord(result.body)) t.fail(`expected a JSON object, got ${describeBody(result)}`);
  return result.body;
}

/** The error envelope of 01 §7: `{error, message}` with a snake_case or upper-case `error`. */
export function envelopeProblem(result: HttpResult, error?: string): string | undefined {
  const body = result.body;
  if (!isRecord(body)) return `not a JSON envelope: ${describeBody(result)}`;
  if (typeof body.error !== 'string' || !/^([a-z][a-z0-9_]*|[A-Z][A-Z0-9_]*)$/.test(body.error)) return `envelope error ${JSON.stringify(body.error)} is not a snake_case or upper-case code`;
  if (typeof body.message !== 'string' || body.message === '') return 'envelope has no message';
  if (error !== undefined && body.error !== error) return `envelope error "${body.error}", expected "${error}"`;
  return undefined;
}

export function expectEnvelope(t: CheckHandle, result: HttpResult, status: number, error?: string): string {
  expectStatus(t, result, status);
  const problem = envelopeProblem(result, error);
  if (problem) t.fail(problem);
  return (result.body as { message: string }).message;
}

export function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

/** A dotted path (`a.b.c`) inside an item. */
export function valueAt(item: unknown, path: string): unknown {
  let current = item;
  for (const part of path.split('.')) {
    if (!isRecord(current)) return undefined;
    current = current[part];
  }
  return current;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  if (!isRecord(a) || !isRecord(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
}
