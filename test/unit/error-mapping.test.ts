import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Value } from '@sinclair/typebox/value'
import { fieldPath, toPublicError, validationError, valueError } from '../../proxy/src/error-handler'
import { submissionBodySchema } from '../../proxy/src/api/v1/schemas'
import { parseConfig } from '../../proxy/src/config'
import * as errors from '../../proxy/src/errors'
import {
  isClientError, QueueFullError, QueueTimeoutError, QueueUnavailableError, ShuttingDownError, SubmissionQueueFullError, UserQueueFullError
} from '../../proxy/src/errors'
import { rejectionReason } from '../../proxy/src/metrics'

const context = { contentType: 'text/plain', bodyLimitBytes: 1024 }

describe('error mapping', () => {
  test('field paths are dotted and the root is "body"', () => {
    expect(fieldPath('/limits/run/timeoutMs')).toBe('limits.run.timeoutMs')
    expect(fieldPath('', 'code')).toBe('code')
    expect(fieldPath('')).toBe('body')
  })

  test('a WebSocket message (checked by TypeBox) gets the code and message the same mistake gets over HTTP', () => {
    const schema = submissionBodySchema(parseConfig({}))
    const first = (body: object) => {
      const error = valueError(Value.Errors(schema, body).First()!)
      return [error.code, error.message]
    }
    expect(first({ code: 'x' })).toEqual(['EXEC_ERR_MISSING_FIELD', 'language is required'])
    expect(first({ language: 'python', code: 'x', bogus: 1 })).toEqual(['EXEC_ERR_UNKNOWN_FIELD', 'bogus is not a known field'])
    expect(first({ language: 'python', code: 'x', limits: { run: { timeMs: 1 } } })).toEqual(['EXEC_ERR_UNKNOWN_FIELD', 'limits.run.timeMs is not a known field'])
    expect(first({ language: 'python', code: 'x', limits: { run: { timeoutMs: 60000 } } }))
      .toEqual(['EXEC_ERR_LIMIT_TOO_HIGH', 'limits.run.timeoutMs is over the configured maximum of 15000'])
    expect(first({ language: 'python', code: 1 })[0]).toBe('EXEC_ERR_INVALID_FIELD')
  })

  test('each ajv keyword maps to its own code, naming the field', () => {
    const missing = validationError({ keyword: 'required', instancePath: '', params: { missingProperty: 'code' } })
    expect([missing.code, missing.statusCode, missing.message]).toEqual(['EXEC_ERR_MISSING_FIELD', 400, 'code is required'])

    const unknown = validationError({ keyword: 'additionalProperties', instancePath: '/limits/run', params: { additionalProperty: 'timeout' } })
    expect([unknown.code, unknown.message]).toEqual(['EXEC_ERR_UNKNOWN_FIELD', 'limits.run.timeout is not a known field'])

    const tooHigh = validationError({ keyword: 'maximum', instancePath: '/limits/run/timeoutMs', params: { limit: 15000 } })
    expect([tooHigh.code, tooHigh.message]).toEqual(['EXEC_ERR_LIMIT_TOO_HIGH', 'limits.run.timeoutMs is over the configured maximum of 15000'])

    const mistyped = validationError({ keyword: 'type', instancePath: '/stdin', params: {}, message: 'must be string' })
    expect([mistyped.code, mistyped.message]).toEqual(['EXEC_ERR_INVALID_FIELD', 'stdin must be string'])
  })

  test("fastify's body errors become ours", () => {
    const tooLarge = toPublicError(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }), context)
    expect([tooLarge.code, tooLarge.statusCode, tooLarge.message]).toEqual(['EXEC_ERR_BODY_TOO_LARGE', 413, 'body is over the limit of 1024 bytes'])
    const media = toPublicError(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 }), context)
    expect([media.code, media.statusCode]).toEqual(['EXEC_ERR_UNSUPPORTED_MEDIA_TYPE', 415])
  })

  test('anything unexpected is a 500 with our code, never fastify internals', () => {
    const internal = toPublicError(Object.assign(new Error('boom'), { code: 'ECONNRESET' }), context)
    expect([internal.code, internal.statusCode]).toEqual(['EXEC_ERR_INTERNAL', 500])
  })

  // Issue 14, item 3: errors are ours by their class, never by what their code reads.
  test('an error is ours by its class: a look-alike code is a 500, our classes pass, refusals map to their reasons', () => {
    const lookalike = toPublicError(Object.assign(new Error('x'), { code: 'EXEC_ERR_QUEUE_FULL' }), context)
    expect([lookalike.code, lookalike.statusCode]).toEqual(['EXEC_ERR_INTERNAL', 500])
    const ours = new QueueFullError(3)
    expect(toPublicError(ours, context)).toBe(ours)
    expect(isClientError(ours)).toBe(true)
    expect(isClientError(new ShuttingDownError())).toBe(false)
    expect(isClientError(Object.assign(new Error('x'), { code: 'EXEC_ERR_FORBIDDEN', statusCode: 403 }))).toBe(false)
    const refusals = [
      new QueueFullError(1), new QueueTimeoutError(1), new ShuttingDownError(), new UserQueueFullError('"u"', 'x'), new SubmissionQueueFullError(1),
      new QueueUnavailableError('down')
    ]
    expect(refusals.map(rejectionReason)).toEqual(['queue_full', 'queue_timeout', 'shutting_down', 'user_cap', 'submissions_full', 'queue_unavailable'])
    expect(rejectionReason(Object.assign(new Error('x'), { code: 'EXEC_ERR_QUEUE_FULL' }))).toBeUndefined()
  })

  test("fastify's other refusals of a request are a 400 of ours", () => {
    const badUrl = toPublicError(Object.assign(new Error("'/%' is not a valid url component"), { code: 'FST_ERR_BAD_URL', statusCode: 400 }), context)
    expect([badUrl.code, badUrl.statusCode]).toEqual(['EXEC_ERR_BAD_REQUEST', 400])
  })

  test('every code an API can answer with is in the README\'s error table, with its status', () => {
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8')
    let checked = 0
    for (const ErrorClass of Object.values(errors)) {
      if (typeof ErrorClass !== 'function' || !('prototype' in ErrorClass) || !(ErrorClass.prototype instanceof errors.ApiError)) continue
      const { code, statusCode } = Object.create(ErrorClass.prototype).constructor('x', 'y') as { code: string, statusCode: number }
      expect(readme).toContain(`| ${statusCode} | \`${code}\` |`)
      checked++
    }
    expect(checked).toBe(23)
  })
})
