import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import fastifyStatic from '@fastify/static'
import swagger from '@fastify/swagger'
import websocket from '@fastify/websocket'
import { redactedUrl } from './auth'
import type { Config } from './config'
import { errorHandler } from './error-handler'
import { NotFoundError } from './errors'
import type { ExecutionPool } from './execution-pool'
import { opsApi } from './api/ops'
import { judge0Api } from './api/judge0'
import { pistonApi } from './api/piston'
import { v1Api } from './api/v1'
import { Metrics } from './metrics'
import { SERVICE_VERSION, type Services } from './services'
import { jobeApi } from './api/jobe'
import { FileCache } from './api/jobe/file-cache'
import { poolSubmissions } from './submissions/pool-queue'

export interface AppOptions {
  config: Config
  pool: ExecutionPool
  /** Shared with the pool and its provider, which report runner starts and removals to it. */
  metrics?: Metrics
  logger?: FastifyServerOptions['logger']
  /** A pino instance shared with the pool, used instead of `logger`. */
  loggerInstance?: FastifyServerOptions['loggerInstance']
  /** The built playground (dist/web), served at `/`; without it there is no page. */
  webRoot?: string
}

/**
 * The page's policy: its own scripts and sockets only, nothing from another host, never framed. Styles may
 * also be inline: the editor (CodeMirror) writes its theme into a style element as it starts.
 */
export const PLAYGROUND_CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/** Builds the proxy; never listens. Closing the app closes the pool and removes its runners. */
export function buildApp ({ config, pool, metrics = new Metrics(), logger = false, loggerInstance, webRoot }: AppOptions): FastifyInstance {
  const app = Fastify({
    ...(loggerInstance ? { loggerInstance } : { logger }),
    // One line per request, written below, instead of fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    ajv: {
      // A misspelled or mistyped field is a 400, never silently dropped or coerced.
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false }
    }
  })
  // Only JSON is accepted: anything else is a 415 rather than a string that fails validation.
  app.removeContentTypeParser('text/plain')
  app.setErrorHandler(errorHandler(config.bodyLimitBytes))
  app.setNotFoundHandler((request) => {
    throw new NotFoundError(request.method, request.url)
  })
  app.addHook('onResponse', async (request, reply) => {
    request.log.info({
      method: request.method,
      url: redactedUrl(request.url),
      statusCode: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 100) / 100,
      ...request.execution
    }, 'request')
  })
  metrics.observePool(pool)
  let closing = false
  const submissions = poolSubmissions({ config, pool, metrics }, app.log)
  const services: Services = { config, pool, metrics, submissions }
  void app.register(websocket, { options: { maxPayload: config.bodyLimitBytes } })
  void app.register(swagger, {
    openapi: {
      info: { title: 'codeexec', description: 'Runs programs in sandboxed warm runners; Piston v2 compatible.', version: SERVICE_VERSION }
    }
  })
  // Each API a plugin with its prefix, registered after swagger so that swagger sees their routes.
  void app.register(opsApi, { pool, metrics, submissions })
  void app.register(v1Api, { prefix: '/api/v1', ...services })
  void app.register(pistonApi, { prefix: '/api/v2', ...services })
  void app.register(judge0Api, { prefix: '/judge0', ...services })
  // Jobe's two paths share one file cache: CodeRunner may PUT on one and run on the other.
  const jobeFiles = new FileCache(config.jobe.fileCacheBytes)
  for (const prefix of ['/jobe/index.php/restapi', '/restapi']) void app.register(jobeApi, { prefix, ...services, files: jobeFiles })
  // The playground's files, each a route of its own (no wildcard: an unknown path stays our 404).
  if (webRoot) {
    void app.register(fastifyStatic, {
      root: webRoot,
      wildcard: false,
      schemaHide: true,
      setHeaders: (response) => response.setHeader('content-security-policy', PLAYGROUND_CSP)
    })
  }
  // Answers finished during shutdown close their connection, or an idle keep-alive would hold the exit back.
  app.addHook('preClose', async () => {
    closing = true
    await submissions.close()
  })
  app.addHook('onSend', async (_request, reply) => {
    if (closing) void reply.header('connection', 'close')
  })
  app.addHook('onClose', async () => {
    await pool.close()
    await submissions.dispose()
  })
  return app
}
