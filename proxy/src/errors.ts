import createError from '@fastify/error'

// Every failure the proxy knows, each code defined once here and recognised by its class (instanceof),
// never by its code's or message's text.

/** What every error an API answers with is: the ones below. Each API writes them in its own shape. */
export class ApiError extends Error {}

// @fastify/error types its base as a callable ErrorConstructor; a class is what it needs at run time.
const apiError = (code: string, message: string, statusCode: number) =>
  createError(code, message, statusCode, ApiError as unknown as ErrorConstructor)

// Bad input: a 4xx naming the field, before anything reaches a runner.
export const InvalidJsonError = apiError('EXEC_ERR_INVALID_JSON', '%s', 400)
/** A request the framework refused before it could be read (a malformed URL, a wrong content-length). */
export const BadRequestError = apiError('EXEC_ERR_BAD_REQUEST', '%s', 400)
export const MissingFieldError = apiError('EXEC_ERR_MISSING_FIELD', '%s is required', 400)
export const UnknownFieldError = apiError('EXEC_ERR_UNKNOWN_FIELD', '%s is not a known field', 400)
export const InvalidFieldError = apiError('EXEC_ERR_INVALID_FIELD', '%s %s', 400)
export const LimitTooHighError = apiError('EXEC_ERR_LIMIT_TOO_HIGH', '%s is over the configured maximum of %s', 400)
export const UnknownLanguageError = apiError('EXEC_ERR_UNKNOWN_LANGUAGE', 'language %s is not supported; supported languages: %s', 400)
export const UnknownVersionError = apiError('EXEC_ERR_UNKNOWN_VERSION', 'version %s of %s is not available; we have %s', 400)
export const BodyTooLargeError = apiError('EXEC_ERR_BODY_TOO_LARGE', 'body is over the limit of %s bytes', 413)
export const UnsupportedMediaTypeError = apiError('EXEC_ERR_UNSUPPORTED_MEDIA_TYPE', 'content-type must be application/json, got %s', 415)
export const NotFoundError = apiError('EXEC_ERR_NOT_FOUND', 'no route %s %s', 404)
export const SubmissionNotFoundError = apiError(
  'EXEC_ERR_SUBMISSION_NOT_FOUND', 'no submission %s: unknown, another user\'s, or finished more than %s s ago', 404
)
/** With a shared queue, only the proxy running a submission can stop it. */
export const NotCancellableError = apiError(
  'EXEC_ERR_NOT_CANCELLABLE', 'submission %s cannot be cancelled from this proxy: it is %s (queue.redisUrl: README, Cancel)', 409
)

// Who may ask.
export const UnauthorizedError = apiError('EXEC_ERR_UNAUTHORIZED', '%s', 401)
export const ForbiddenError = apiError('EXEC_ERR_FORBIDDEN', '%s', 403)

// The service is busy or going away: 429 and 503 carry Retry-After.
export const QueueFullError = apiError('EXEC_ERR_QUEUE_FULL', 'the service is busy and %s requests are waiting already; retry later', 429)
export const SubmissionQueueFullError = apiError(
  'EXEC_ERR_SUBMISSIONS_FULL', '%s submissions are queued, the most the service takes; retry later', 429
)
export const UserQueueFullError = apiError('EXEC_ERR_USER_QUEUE_FULL', 'user %s has %s, the most one user may; retry later', 429)
export const QueueTimeoutError = apiError('EXEC_ERR_QUEUE_TIMEOUT', 'no runner or CPU slot became free within %s ms; retry later', 503)
export const ShuttingDownError = apiError('EXEC_ERR_SHUTTING_DOWN', 'the service is shutting down', 503)
export const QueueUnavailableError = apiError(
  'EXEC_ERR_QUEUE_UNAVAILABLE', 'the shared submission queue cannot be reached (%s); synchronous executes still run; retry later', 503
)

/** The client closed its request while the job waited for a runner: nothing ran (nginx's 499). */
export const ClientGoneError = apiError('EXEC_ERR_CLIENT_GONE', 'the client closed the request while it waited for a runner', 499)
export const InternalError = apiError('EXEC_ERR_INTERNAL', 'internal error: %s', 500)

/** An error a client may hear as it is: one of ours under 500. Anything else is ours to log. */
export function isClientError (err: unknown): err is ApiError & { code: string, statusCode: number } {
  return err instanceof ApiError && ((err as { statusCode?: number }).statusCode ?? 500) < 500
}

// Failures of the service's own parts, which no API answers with as they are.

/** The config file or the environment is wrong: the proxy says what and exits with status 2. */
export class ConfigError extends Error {
  constructor (readonly source: string, readonly problems: string[]) {
    super(`invalid config ${source}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

/** The runner image does not exist: the proxy cannot make runners until it is built. */
export class ImageMissingError extends Error {
  constructor (image: string) {
    super(`the runner image ${image} does not exist: build it with "npm run setup" (or "bash scripts/build-image.sh"), ` +
      'or set runner.image in pool.config.json')
    this.name = 'ImageMissingError'
  }
}

/**
 * A runner failed a job it had taken: it did not answer in time (`timedOut`), answered an error, or cut
 * its stream. The job's answer is an internal_error and the runner is replaced. `code` is the metrics label.
 */
export class RunnerError extends Error {
  constructor (message: string, readonly code: string, readonly timedOut: boolean, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'RunnerError'
  }
}

/**
 * The engine failed an operation on a live runner (`docker update`): the engine's fault, not the
 * runner's, which goes back to the pool unused. `operation` is the metrics label.
 */
export class EngineError extends Error {
  constructor (readonly operation: 'update', message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'EngineError'
  }
}
