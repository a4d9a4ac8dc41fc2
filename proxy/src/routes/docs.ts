import type { FastifyInstance } from 'fastify'

/** The OpenAPI document of every route, built by @fastify/swagger from the schemas the routes validate with. */
export function docsRoute (app: FastifyInstance): void {
  app.get('/docs', { schema: { hide: true } }, async () => app.swagger())
}
