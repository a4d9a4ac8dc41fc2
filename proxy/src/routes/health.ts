import type { FastifyInstance } from 'fastify'
import type { ExecutionPool } from '../execution-pool'

export function healthRoutes (app: FastifyInstance, pool: ExecutionPool): void {
  // The process is up and answering.
  app.get('/healthz', async () => ({ status: 'ok' }))

  // The pool has reached its minimum size: the service can take traffic at full speed.
  app.get('/readyz', async (_request, reply) => {
    const body = { ready: pool.ready, min: pool.min, max: pool.max }
    if (pool.isReady) return { status: 'ready', ...body }
    return reply.code(503).send({ status: 'starting', ...body })
  })
}
