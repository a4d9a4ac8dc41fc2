import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { apiKeyOf, keysConfigured, userOf } from '../auth'
import type { Config } from '../config'
import { SubmissionNotFoundError, SubmissionQueueFullError, UserQueueFullError } from '../errors'
import { executionInput } from '../execute-input'
import type { ExecutionPool } from '../execution-pool'
import type { Metrics } from '../metrics'
import { ErrorResponse, submissionBodySchema, SubmissionResponse, type SubmissionBody } from '../schemas'
import type { InputRelay } from '../../../runner/src/contract/input-relay'
import { SubmissionRejected, type SubmissionQueue, type SubmissionView } from '../submissions/queue'

/** Queues a submission body for `userId`: its problems are 4xx errors, a full queue a 429. */
export function submit (
  body: SubmissionBody, userId: string, { config, pool, metrics, submissions }: SubmissionContext, relay?: InputRelay
): SubmissionView {
  const { userId: _named, ...execute } = body
  const input = executionInput(execute, config, pool)
  try {
    return submissions.submit(userId, input, relay)
  } catch (err) {
    if (!(err instanceof SubmissionRejected)) throw err
    metrics.rejected.inc({ reason: err.reason })
    throw err.reason === 'user_cap' ? new UserQueueFullError(err.message) : new SubmissionQueueFullError(err.message)
  }
}

export interface SubmissionContext {
  config: Config
  pool: ExecutionPool
  metrics: Metrics
  submissions: SubmissionQueue
}

export function submissionRoutes (app: FastifyInstance, context: SubmissionContext): void {
  const { config, submissions } = context
  app.withTypeProvider<TypeBoxTypeProvider>().post('/api/v1/submissions', {
    schema: { body: submissionBodySchema(config), response: { 202: SubmissionResponse, '4xx': ErrorResponse, '5xx': ErrorResponse } }
  }, async (request, reply) => {
    const userId = userOf(config, apiKeyOf(request.headers), request.body.userId)
    return reply.code(202).send(submit(request.body, userId, context))
  })

  app.withTypeProvider<TypeBoxTypeProvider>().get('/api/v1/submissions/:id', {
    schema: { params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }), response: { 200: SubmissionResponse, '4xx': ErrorResponse } }
  }, async (request) => {
    // With keys a user sees only their own; without, whoever holds the (unguessable) id.
    const userId = keysConfigured(config) ? userOf(config, apiKeyOf(request.headers), undefined) : undefined
    const view = await submissions.get(request.params.id, userId)
    if (!view) throw new SubmissionNotFoundError(JSON.stringify(request.params.id), config.submissions.keepFinishedMs / 1000)
    return view
  })
}
