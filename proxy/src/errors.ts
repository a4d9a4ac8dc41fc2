import createError from '@fastify/error'

// Every error the proxy answers with. Bodies are {"error": {"code", "message"}}.
export const UnknownLanguageError = createError('EXEC_ERR_UNKNOWN_LANGUAGE', 'language %s is not supported; supported languages: %s', 400)
export const UnknownVersionError = createError('EXEC_ERR_UNKNOWN_VERSION', 'version %s of %s is not available; we have %s', 400)
export const InvalidJsonError = createError('EXEC_ERR_INVALID_JSON', 'body is not valid JSON: %s', 400)
/** A WebSocket message that is not a JSON object, in the same code as a body that is not JSON. */
export const InvalidMessageError = createError('EXEC_ERR_INVALID_JSON', '%s', 400)
export const MissingFieldError = createError('EXEC_ERR_MISSING_FIELD', '%s is required', 400)
export const UnknownFieldError = createError('EXEC_ERR_UNKNOWN_FIELD', '%s is not a known field', 400)
export const InvalidFieldError = createError('EXEC_ERR_INVALID_FIELD', '%s %s', 400)
export const LimitTooHighError = createError('EXEC_ERR_LIMIT_TOO_HIGH', '%s is over the configured maximum of %s', 400)
export const BodyTooLargeError = createError('EXEC_ERR_BODY_TOO_LARGE', 'body is over the limit of %s bytes', 413)
export const UnsupportedMediaTypeError = createError('EXEC_ERR_UNSUPPORTED_MEDIA_TYPE', 'content-type must be application/json, got %s', 415)
export const NotFoundError = createError('EXEC_ERR_NOT_FOUND', 'no route %s %s', 404)
export const QueueFullError = createError('EXEC_ERR_QUEUE_FULL', 'the service is busy and %s requests are waiting already; retry later', 429)
export const QueueTimeoutError = createError('EXEC_ERR_QUEUE_TIMEOUT', 'no runner or CPU slot became free within %s ms; retry later', 503)
export const ShuttingDownError = createError('EXEC_ERR_SHUTTING_DOWN', 'the service is shutting down', 503)
export const SubmissionQueueFullError = createError('EXEC_ERR_SUBMISSIONS_FULL', '%s', 429)
export const UserQueueFullError = createError('EXEC_ERR_USER_QUEUE_FULL', '%s', 429)
export const SubmissionNotFoundError = createError(
  'EXEC_ERR_SUBMISSION_NOT_FOUND', 'no submission %s: unknown, another user\'s, or finished more than %s s ago', 404
)
export const UnauthorizedError = createError('EXEC_ERR_UNAUTHORIZED', '%s', 401)
export const ForbiddenError = createError('EXEC_ERR_FORBIDDEN', '%s', 403)
export const InternalError = createError('EXEC_ERR_INTERNAL', 'internal error: %s', 500)
