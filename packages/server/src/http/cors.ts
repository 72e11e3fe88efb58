import type { FastifyReply, FastifyRequest } from 'fastify';

const ALLOWED_METHODS = 'GET, POST, PUT, PATCH, DELETE, OPTIONS';
// Identity headers are deliberately absent: a page on another origin cannot assert an identity.
const ALLOWED_HEADERS = 'Accept, Authorization, Content-Type, X-CSRF-Token, X-PINGOTHER, X-Namespace, X-Request-Id, X-Correlation-ID, If-Match';
const EXPOSED_HEADERS = 'Link, Retry-After, X-Request-Id, X-Cache, Location';
const MAX_AGE_SECONDS = '300';

/**
 * CORS per spec 01 §6.4. `*` echoes any http(s) origin (credentials are never allowed), a list allows
 * exactly those origins, an empty setting turns CORS headers off. Returns true when the request was a
 * preflight and has been answered.
 */
export function createCorsHook(allowedOrigins: '*' | readonly string[]) {
  const list = allowedOrigins === '*' ? null : new Set(allowedOrigins);

  const allows = (origin: string): boolean =>
    list === null ? /^https?:\/\/[^\s/]+$/i.test(origin) : list.has(origin);

  return function applyCors(request: FastifyRequest, reply: FastifyReply): boolean {
    const origin = request.headers.origin;
    const isPreflight = request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
    if (typeof origin === 'string' && allows(origin)) {
      reply.header('Access-Control-Allow-Origin', origin);
      reply.header('Vary', 'Origin');
      reply.header('Access-Control-Expose-Headers', EXPOSED_HEADERS);
      if (isPreflight) {
        reply.header('Access-Control-Allow-Methods', ALLOWED_METHODS);
        reply.header('Access-Control-Allow-Headers', ALLOWED_HEADERS);
        reply.header('Access-Control-Max-Age', MAX_AGE_SECONDS);
      }
    }
    if (isPreflight) {
      reply.code(204).send();
      return true;
    }
    return false;
  };
}
