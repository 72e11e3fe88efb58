import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Reuses a well-formed `X-Request-Id`, otherwise mints a UUID v4 (spec 01 §6.1 stage 1). */
export function requestIdFor(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && isValidRequestId(given) ? given : randomUUID();
}

/** The request-id syntax of spec 01 §6.1, also required of `X-Correlation-ID` (05 §4.2). */
export function isValidRequestId(value: string): boolean {
  return VALID_REQUEST_ID.test(value);
}
