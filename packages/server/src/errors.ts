/**
 * The domain errors of the server. Handlers and services throw these; the one error handler
 * (http/errorHandler.ts) turns them into the envelope `{error, message, requestId, ...extra}`.
 */
export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    /** Extra envelope fields a spec names (`position`, `retryAfterSeconds`, ...). */
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends AppError {
  constructor(message: string, extra: Record<string, unknown> = {}) {
    super(400, 'bad_request', message, extra);
  }
}

/** An invalid filterQuery: 400 with the 1-based `position` of the offending token (spec 01 §10.7.6). */
export class FilterQueryError extends BadRequestError {
  constructor(readonly position: number, readonly detail: string) {
    super(`invalid filterQuery at position ${position}: ${detail}`, { position });
  }
}

/** An unverifiable bearer token (spec 05 §2.4): the only 401 the server answers. */
export class UnauthorizedError extends AppError {
  constructor(message: string) {
    super(401, 'unauthorized', message, {}, { 'WWW-Authenticate': 'Bearer' });
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string) {
    super(403, 'forbidden', message);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super(404, 'not_found', message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, extra: Record<string, unknown> = {}) {
    super(409, 'conflict', message, extra);
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(message: string, headers: Record<string, string> = {}) {
    super(503, 'service_unavailable', message, {}, headers);
  }
}

/** A rate-limited request (spec 04 §13.8): 429 with `Retry-After` and `retryAfterSeconds`. */
export class TooManyRequestsError extends AppError {
  constructor(retryAfterSeconds: number) {
    super(429, 'too_many_requests', `rate limited, retry after ${retryAfterSeconds} seconds`, { retryAfterSeconds }, { 'Retry-After': String(retryAfterSeconds) });
  }
}

/** A usage error of the process (flag or env value): exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
}

/** A fatal startup error (unreadable sources file, database unreachable, locked data dir): exit code 1. */
export class StartupError extends Error {
  readonly exitCode = 1;
}

export class UnprocessableEntityError extends AppError {
  constructor(message: string, extra: Record<string, unknown> = {}) {
    super(422, 'unprocessable_entity', message, extra);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message: string) {
    super(413, 'payload_too_large', message);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(message: string) {
    super(415, 'unsupported_media_type', message);
  }
}
