import { fieldPath, toPublicError, validationError } from '../../proxy/src/error-handler'

const context = { contentType: 'text/plain', bodyLimitBytes: 1024 }

describe('error mapping', () => {
  test('field paths are dotted and the root is "body"', () => {
    expect(fieldPath('/limits/run/timeoutMs')).toBe('limits.run.timeoutMs')
    expect(fieldPath('', 'code')).toBe('code')
    expect(fieldPath('')).toBe('body')
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
})
