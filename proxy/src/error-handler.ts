import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { ValueErrorType, type ValueError } from '@sinclair/typebox/value'
import {
  ApiError, BadRequestError, BodyTooLargeError, InternalError, InvalidFieldError, InvalidJsonError, LimitTooHighError, MissingFieldError,
  UnknownFieldError, UnsupportedMediaTypeError
} from './errors'

interface ValidationIssue {
  keyword: string
  instancePath: string
  params: Record<string, unknown>
  message?: string
}

/** "/limits/run/timeoutMs" → "limits.run.timeoutMs"; the root is "body". */
export function fieldPath (instancePath: string, child?: unknown): string {
  const parts = instancePath.split('/').filter(Boolean)
  if (typeof child === 'string') parts.push(child)
  return parts.length === 0 ? 'body' : parts.join('.')
}

/** Turns one ajv issue into our error, naming the field. */
export function validationError (issue: ValidationIssue): FastifyError {
  switch (issue.keyword) {
    case 'required':
      return new MissingFieldError(fieldPath(issue.instancePath, issue.params.missingProperty))
    case 'additionalProperties':
      return new UnknownFieldError(fieldPath(issue.instancePath, issue.params.additionalProperty))
    case 'maximum':
      if (/(^|\/)limits\//.test(issue.instancePath)) return new LimitTooHighError(fieldPath(issue.instancePath), issue.params.limit)
      return new InvalidFieldError(fieldPath(issue.instancePath), issue.message ?? 'is invalid')
    default:
      return new InvalidFieldError(fieldPath(issue.instancePath), issue.message ?? 'is invalid')
  }
}

/**
 * A TypeBox problem (WebSocket messages are checked with TypeBox, HTTP bodies by fastify's ajv) as the
 * error the same mistake gets over HTTP: a missing field, an unknown one, a limit over its maximum.
 */
export function valueError (problem: ValueError): FastifyError {
  const cut = problem.path.lastIndexOf('/')
  const [parent, name] = [problem.path.slice(0, Math.max(cut, 0)), problem.path.slice(cut + 1)]
  switch (problem.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return validationError({ keyword: 'required', instancePath: parent, params: { missingProperty: name } })
    case ValueErrorType.ObjectAdditionalProperties:
      return validationError({ keyword: 'additionalProperties', instancePath: parent, params: { additionalProperty: name } })
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.NumberMaximum:
      return validationError({ keyword: 'maximum', instancePath: problem.path, params: { limit: problem.schema.maximum }, message: problem.message })
    default:
      return new InvalidFieldError(fieldPath(problem.path), problem.message)
  }
}

/**
 * Maps fastify's own errors to ours, so every error body has our code and names what is wrong; ours
 * pass as they are, and anything else is a 500 (logged).
 */
export function toPublicError (error: FastifyError, context: { contentType?: string, bodyLimitBytes: number }): FastifyError {
  if (error.validation && error.validation.length > 0) return validationError(error.validation[0] as ValidationIssue)
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new InvalidJsonError(`body is not valid JSON: ${error.message}`)
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new InvalidJsonError('body is not valid JSON: the body is empty')
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new BodyTooLargeError(context.bodyLimitBytes)
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new UnsupportedMediaTypeError(context.contentType ?? 'none')
  }
  if (error instanceof SyntaxError) return new InvalidJsonError(`body is not valid JSON: ${error.message}`)
  if (error instanceof ApiError) return error
  // Fastify's other refusals of a request (a bad URL, a wrong content-length) are the client's.
  if (error.statusCode !== undefined && error.statusCode < 500) return new BadRequestError(error.message)
  return new InternalError(error.message)
}

export function errorHandler (bodyLimitBytes: number) {
  return function handle (error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
    const answer = toPublicError(error, { contentType: request.headers['content-type'], bodyLimitBytes })
    const statusCode = answer.statusCode ?? 500
    if (statusCode >= 500) request.log.error({ err: error }, 'request failed')
    if (statusCode === 429 || statusCode === 503) void reply.header('retry-after', '1')
    void reply.code(statusCode).send({ error: { code: answer.code ?? 'EXEC_ERR_INTERNAL', message: answer.message } })
  }
}
