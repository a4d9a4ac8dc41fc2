import type { FastifyPluginAsync } from 'fastify'
import type { Services } from '../services'

/** The routes for operators and tools: liveness, readiness, Prometheus metrics, the OpenAPI document. */
export const opsApi: FastifyPluginAsync<Pick<Services, 'pool' | 'metrics'>> = async (app, { pool, metrics }) => {
  // The process is up and answering.
  app.get('/healthz', async () => ({ status: 'ok' }))

  // The pool has reached its minimum size: the service can take traffic at full speed.
  app.get('/readyz', async (_request, reply) => {
    const body = { ready: pool.ready, min: pool.min, max: pool.max }
    if (pool.isReady) return { status: 'ready', ...body }
    return reply.code(503).send({ status: 'starting', ...body })
  })

  // Prometheus text format; the pool gauges are read from the pool at this moment.
  app.get('/metrics', async (_request, reply) => {
    void reply.header('content-type', metrics.registry.contentType)
    return metrics.registry.metrics()
  })

  // Every route's OpenAPI document, built by @fastify/swagger from the schemas the routes validate with.
  app.get('/docs', { schema: { hide: true } }, async () => app.swagger())
}
