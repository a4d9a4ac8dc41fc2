import type { FastifyError, FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { apiKeyOf, keysConfigured, userOf } from '../../auth'
import { toPublicError } from '../../error-handler'
import { InvalidJsonError } from '../../errors'
import { executeForRequest } from '../../execution'
import { jobInput } from '../../job-input'
import { runtimes } from '../../runtimes'
import { servicesOf, type Services } from '../../services'
import { pistonConnect } from './connect'
import { PistonExecute, pistonAnswer, pistonMessage, pistonRequest } from './format'

/**
 * Piston's v2 API, under /api/v2, in Piston's shapes, so that Piston's clients work against us
 * unchanged: runtimes, execute, and the interactive connect socket. Errors are Piston's {"message"}.
 */
export const pistonApi: FastifyPluginAsync<Services> = async (plugin, options) => {
  const services = servicesOf(options)
  const { config, pool } = services
  const app = plugin.withTypeProvider<TypeBoxTypeProvider>()

  // Piston's own npm client posts its JSON as text/plain (node-fetch's default); Piston reads it anyway.
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, JSON.parse(body as string))
    } catch {
      done(new InvalidJsonError('body is not valid JSON'), undefined)
    }
  })
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = toPublicError(error, { contentType: request.headers['content-type'], bodyLimitBytes: config.bodyLimitBytes })
    const statusCode = known.statusCode ?? 500
    if (statusCode >= 500) request.log.error({ err: error }, 'request failed')
    if (statusCode === 429 || statusCode === 503) void reply.header('retry-after', '1')
    const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as { language?: string, version?: string }
    void reply.code(statusCode).send({ message: pistonMessage(known, body, pool.versions) })
  })

  app.get('/runtimes', async () => runtimes(pool).map(({ language, version, aliases }) => ({ language, version, aliases })))

  app.post('/execute', { schema: { body: PistonExecute } }, async (request, reply) => {
    if (keysConfigured(config)) userOf(config, apiKeyOf(request.headers), undefined)
    const input = { ...jobInput(pistonRequest(request.body, config), config, pool.versions), interleaved: true }
    return pistonAnswer(await executeForRequest(input, services, request, reply))
  })

  await app.register(pistonConnect, servicesOf(services))
}
