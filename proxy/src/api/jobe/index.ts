import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { keysConfigured, keyUser } from '../../auth'
import { ApiError, QueueFullError, QueueTimeoutError } from '../../errors'
import { executeForRequest } from '../../execution'
import { servicesOf, type Services } from '../../services'
import type { FileCache } from './file-cache'
import { JOBE_LANGUAGES } from './languages'
import { jobeResult, overloaded } from './result'
import { JobeError, readRunSpec } from './run-spec'
import { jobeInput } from './task'

/** Jobe's own test hook (LanguageTask's "HACK ALERT"): this source is answered as an overload, as Jobe does. */
export const OVERLOAD_TEST_SOURCE = '!** TESTING OVERLOAD EXCEPTION **!'

export interface JobeOptions extends Services {
  /** One cache for both of Jobe's paths. */
  files: FileCache
}

/** Jobe's answers are JSON strings for errors, the status Jobe gives. */
const refuse = (reply: FastifyReply, statusCode: number, message: string) =>
  reply.code(statusCode).type('application/json').send(JSON.stringify(message))

/**
 * Jobe's REST API (trampgeek/jobe: app/Controllers, app/Libraries), registered under its two paths,
 * /jobe/index.php/restapi and /restapi: what Moodle's CodeRunner sends to its "Jobe server".
 */
export const jobeApi: FastifyPluginAsync<JobeOptions> = async (app, options) => {
  const services = servicesOf(options)
  const { config, pool } = services
  const { files } = options

  // X-API-KEY, optional as in Jobe: with our keys configured, running and putting files take one of them.
  const keyRefused = (request: FastifyRequest, reply: FastifyReply): boolean => {
    if (!keysConfigured(config)) return false
    const key = request.headers['x-api-key']
    if (typeof key !== 'string' || key === '') {
      void reply.code(403).type('text/plain').send('Missing API key')
      return true
    }
    if (keyUser(config, key) === undefined) {
      void reply.code(403).type('text/plain').send('Unknown API key')
      return true
    }
    return false
  }

  // A body that is not JSON, or any other refusal, in Jobe's words and shape.
  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    if (error instanceof JobeError) return refuse(reply, error.statusCode, error.message)
    const statusCode = error.statusCode ?? 500
    if (error instanceof ApiError && statusCode < 500) return refuse(reply, statusCode, error.message)
    if (error.code?.startsWith('FST_ERR_CTP_') && error.code !== 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return refuse(reply, 400, request.method === 'PUT' ? 'put: missing file_contents parameter' : 'Non-JSON post data received')
    }
    if (statusCode < 500) return refuse(reply, statusCode, error.message)
    request.log.error({ err: error }, 'jobe run failed')
    return refuse(reply, 500, `Server exception (${error.message})`)
  })

  const languages = async () => JOBE_LANGUAGES.map((language) => [language.id, pool.versions[language.language] ?? 'unknown'])
  app.get('/languages', languages)
  app.get('/languages/', languages)

  const runs = async (request: FastifyRequest, reply: FastifyReply) => {
    if (keyRefused(request, reply)) return reply
    const run = readRunSpec(request.body, Math.floor(config.limits.max.run.cpuTimeMs / 1000))
    const input = jobeInput(run, files, config, pool.versions)
    if (run.sourcecode === OVERLOAD_TEST_SOURCE) return overloaded()
    // JavaTask's defaultFileName: without a main class the source is prog.java, with a warning that makes it a compile error.
    const warning = run.sourcefilename === null
      ? "WARNING: can't determine main class, so source file has been named 'prog.java', which probably won't compile."
      : ''
    try {
      return jobeResult(await executeForRequest(input, services, request, reply), run.language, warning)
    } catch (err) {
      // No runner free within the pool's wait: Jobe's answer when all its users stay busy.
      if (err instanceof QueueFullError || err instanceof QueueTimeoutError) return overloaded()
      throw err
    }
  }
  app.post('/runs', runs)
  app.post('/runs/', runs)

  app.put('/files/:id', async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
    if (keyRefused(request, reply)) return reply
    const { id } = request.params
    if (!/^[A-Za-z0-9]+$/.test(id)) return refuse(reply, 404, `no file ${id}`)
    const body = request.body as { file_contents?: unknown } | null
    if (typeof body !== 'object' || body === null || body.file_contents === undefined) {
      return refuse(reply, 400, 'put: missing file_contents parameter')
    }
    const text = String(body.file_contents)
    if (!/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(text)) return refuse(reply, 400, `put: contents of file ${id} are not valid base-64`)
    if (!files.put(id, Buffer.from(text, 'base64'))) {
      return refuse(reply, 400, `put: file ${id} is larger than the file cache (jobe.fileCacheBytes, ${files.maxBytes} bytes)`)
    }
    return reply.code(204).send()
  })

  app.head('/files/:id', async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
    return reply.code(files.has(request.params.id) ? 204 : 404).send()
  })
}
