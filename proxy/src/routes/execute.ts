import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { apiKeyOf, keysConfigured, userOf } from '../auth'
import type { Config } from '../config'
import { executionInput } from '../execute-input'
import type { ExecutionPool } from '../execution-pool'
import { runExecution } from '../execution'
import type { Metrics } from '../metrics'
import { ErrorResponse, executeBodySchema, ExecuteResponse } from '../schemas'

export function executeRoute (app: FastifyInstance, config: Config, pool: ExecutionPool, metrics: Metrics): void {
  app.withTypeProvider<TypeBoxTypeProvider>().post('/api/v1/execute', {
    schema: {
      body: executeBodySchema(config),
      response: { 200: ExecuteResponse, '4xx': ErrorResponse, '5xx': ErrorResponse }
    }
  }, async (request, reply) => {
    // With API keys configured, running code takes one.
    if (keysConfigured(config)) userOf(config, apiKeyOf(request.headers), undefined)
    const input = executionInput(request.body, config, pool)
    const answer = await runExecution(input, { config, pool, metrics, request, reply })
    if (answer === null) {
      return reply.code(499).send({ error: { code: 'EXEC_ERR_CLIENT_GONE', message: 'the client closed the request while it waited for a runner' } })
    }
    return answer
  })
}
