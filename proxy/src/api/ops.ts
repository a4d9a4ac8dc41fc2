import type { FastifyPluginAsync } from 'fastify'
import type { Services } from '../services'

/** The routes for operators and tools: liveness, readiness, Prometheus metrics, the OpenAPI document. */
export const opsApi: FastifyPluginAsync<Pick<Services, 'pool' | 'metrics' | 'submissions'>> = async (app, { pool, metrics, submissions }) => {
  // The process is up and answering.
  app.get('/healthz', async () => ({ status: 'ok' }))

  // The pool has reached its minimum size and the submission queue (Redis, when shared) is reachable.
  app.get('/readyz', async (_request, reply) => {
    const body = { ready: pool.ready, min: pool.min, max: pool.max, queue: submissions.available ? 'up' : 'unavailable' }
    if (!pool.isReady) return reply.code(503).send({ status: 'starting', ...body })
    if (!submissions.available) return reply.code(503).send({ status: 'queue_unavailable', ...body })
    return { status: 'ready', ...body }
  })

  // Prometheus text format; the pool gauges are read from the pool at this moment.
  app.get('/metrics', async (_request, reply) => {
    void reply.header('content-type', metrics.registry.contentType)
    return metrics.registry.metrics()
  })

  // Every route's OpenAPI document, built by @fastify/swagger from the schemas the routes validate with.
  app.get('/docs', { schema: { hide: true } }, async () => app.swagger())
}
