import type { FastifyInstance } from 'fastify'
import type { Metrics } from '../metrics'

export function metricsRoute (app: FastifyInstance, metrics: Metrics): void {
  // Prometheus text format; the pool gauges are read from the pool at this moment.
  app.get('/metrics', async (_request, reply) => {
    void reply.header('content-type', metrics.registry.contentType)
    return metrics.registry.metrics()
  })
}
