import type { FastifyRequest } from 'fastify';
import { BadRequestError } from '../errors.js';

/**
 * JSON bodies: an empty body is "no body" whatever the content type (so `curl -X POST -H
 * 'Content-Type: application/json'` works on routes whose body is optional); malformed JSON is a 400
 * naming the parser's complaint. Other content types have no parser and get 415.
 */
export function parseJsonBody(_request: FastifyRequest, body: string, done: (err: Error | null, value?: unknown) => void): void {
  if (body.trim() === '') return done(null, undefined);
  try {
    done(null, JSON.parse(body));
  } catch (error) {
    done(new BadRequestError(`invalid request body: ${(error as Error).message}`));
  }
}
