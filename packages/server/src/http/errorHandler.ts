import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import type { RouteIndex } from './RouteIndex.js';

const CODE_BY_STATUS: Record<number, string> = {
  400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 405: 'method_not_allowed',
  406: 'bad_request', 409: 'conflict', 413: 'payload_too_large', 415: 'unsupported_media_type',
  422: 'unprocessable_entity', 429: 'too_many_requests', 501: 'not_implemented', 503: 'service_unavailable',
};

/** Reason phrases of the legacy `code` field (spec 03 §2). */
const REASON_PHRASES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  409: 'Conflict', 413: 'Request Entity Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Entity',
  429: 'Too Many Requests', 500: 'Internal Server Error', 501: 'Not Implemented', 503: 'Service Unavailable',
};

/** Sends the error envelope of spec 00 §5.4 / 01 §7 (plus the legacy `code` on routes that ask for it). */
export function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
): FastifyReply {
  // The envelope message is the audit event's reason (05 §4.2).
  request.audit?.enrich({ reason: message });
  const legacy = request.routeOptions?.config?.legacyErrorCode === true ? { code: REASON_PHRASES[status] ?? 'Error' } : {};
  return reply
    .code(status)
    .type('application/json; charset=utf-8')
    .send({ error: code, message, ...extra, ...legacy, requestId: request.id });
}

/**
 * The one error handler: domain errors keep their status and code; Fastify's own client errors
 * (validation, content type, body size, malformed JSON) become precise 4xx; anything else is a 500
 * whose details go to the log only.
 */
export function installErrorHandling(app: FastifyInstance, routes: RouteIndex): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof AppError) {
      reply.headers(error.headers);
      return sendError(request, reply, error.statusCode, error.code, error.message, error.extra);
    }
    if (error.validation) {
      const first = error.validation[0];
      const where = error.validationContext === 'body' ? 'invalid request body' : `invalid ${error.validationContext ?? 'request'} parameter`;
      const pointer = first?.instancePath || (first?.params && 'missingProperty' in first.params ? `/${String(first.params.missingProperty)}` : '');
      return sendError(request, reply, 400, 'bad_request', `${where}: ${pointer ? `${pointer} ` : ''}${first?.message ?? 'is invalid'}`.trim());
    }
    switch (error.code) {
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return sendError(request, reply, 415, 'unsupported_media_type', `unsupported content type "${request.headers['content-type'] ?? ''}": request bodies must be application/json`);
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendError(request, reply, 413, 'payload_too_large', 'request body exceeds the limit of 16 MiB');
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return sendError(request, reply, 400, 'bad_request', `invalid request body: ${error.message}`);
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return sendError(request, reply, status, CODE_BY_STATUS[status] ?? 'bad_request', error.message);
    }
    request.log.error({ err: error }, 'request failed');
    return sendError(request, reply, 500, 'internal_error', 'internal server error');
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    const allowed = routes.methodsFor(path);
    if (allowed.length > 0) {
      reply.header('Allow', allowed.join(', '));
      return sendError(request, reply, 405, 'method_not_allowed', `method ${request.method} is not allowed on ${path}`);
    }
    return sendError(request, reply, 404, 'not_found', `route ${request.method} ${path} not found`);
  });
}
