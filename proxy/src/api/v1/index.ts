import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { apiKeyOf, keysConfigured, keyUser, userOf } from '../../auth'
import { SubmissionNotFoundError } from '../../errors'
import { executeForRequest, v1Answer } from '../../execution'
import { jobInput } from '../../job-input'
import { judgeAnswer } from '../../judge-answer'
import { judgeInput } from '../../judge-input'
import { runtimes } from '../../runtimes'
import { servicesOf, type Services } from '../../services'
import {
  ErrorResponse, executeBodySchema, ExecuteResponse, judgeBodySchema, JudgeResponse, Runtime, submissionBodySchema, SubmissionResponse, Whoami
} from './schemas'
import { submissionInput } from './submission-input'
import { v1Socket } from './socket'

/**
 * Our own API, under /api/v1: execute, runtimes, submissions and their WebSocket. Errors are the app's
 * {"error": {"code", "message"}} (error-handler.ts).
 */
export const v1Api: FastifyPluginAsync<Services> = async (plugin, options) => {
  const services = servicesOf(options)
  const { config, pool, submissions } = services
  const app = plugin.withTypeProvider<TypeBoxTypeProvider>()

  app.post('/execute', {
    schema: { body: executeBodySchema(config), response: { 200: ExecuteResponse, '4xx': ErrorResponse, '5xx': ErrorResponse } }
  }, async (request, reply) => {
    // With API keys configured, running code takes one.
    if (keysConfigured(config)) userOf(config, apiKeyOf(request.headers), undefined)
    return v1Answer(await executeForRequest(jobInput(request.body, config, pool.versions), services, request, reply))
  })

  app.post('/judge', {
    schema: { body: judgeBodySchema(config), response: { 200: JudgeResponse, '4xx': ErrorResponse, '5xx': ErrorResponse } }
  }, async (request, reply) => {
    if (keysConfigured(config)) userOf(config, apiKeyOf(request.headers), undefined)
    const input = judgeInput(request.body, config, pool.versions)
    return judgeAnswer(await executeForRequest(input, services, request, reply), input.judge!.tests.length)
  })

  // Whether this service wants API keys, and whose a key is: a question, so an unknown key is userId null, not a 401
  // (the playground asks it before it asks a person for a key).
  app.get('/whoami', { schema: { response: { 200: Whoami } } }, async (request) => {
    const key = apiKeyOf(request.headers)
    return { apiKeys: keysConfigured(config), userId: keysConfigured(config) && key !== undefined ? keyUser(config, key) ?? null : null }
  })

  app.get('/runtimes', { schema: { response: { 200: Type.Array(Runtime) } } }, async () => runtimes(pool))

  app.post('/submissions', {
    schema: { body: submissionBodySchema(config), response: { 202: SubmissionResponse, '4xx': ErrorResponse, '5xx': ErrorResponse } }
  }, async (request, reply) => {
    const { userId: named, ...body } = request.body
    const userId = userOf(config, apiKeyOf(request.headers), named)
    return reply.code(202).send(await submissions.submit(userId, submissionInput(body, config, pool.versions)))
  })

  app.get('/submissions/:id', {
    schema: { params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }), response: { 200: SubmissionResponse, '4xx': ErrorResponse } }
  }, async (request) => {
    // With keys a user sees only their own; without, whoever holds the (unguessable) id.
    const userId = keysConfigured(config) ? userOf(config, apiKeyOf(request.headers), undefined) : undefined
    const view = await submissions.get(request.params.id, userId)
    if (!view) throw new SubmissionNotFoundError(JSON.stringify(request.params.id), config.submissions.keepFinishedMs / 1000)
    return view
  })

  // Cancel: whoever may read a submission may cancel it (its user with keys; without, whoever holds its id).
  app.post('/submissions/:id/cancel', {
    schema: { params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }), response: { 200: SubmissionResponse, '4xx': ErrorResponse } }
  }, async (request) => {
    const userId = keysConfigured(config) ? userOf(config, apiKeyOf(request.headers), undefined) : undefined
    const outcome = await submissions.cancel(request.params.id, userId)
    const view = outcome === 'unknown' ? undefined : await submissions.get(request.params.id, userId)
    if (!view) throw new SubmissionNotFoundError(JSON.stringify(request.params.id), config.submissions.keepFinishedMs / 1000)
    return view
  })

  await app.register(v1Socket, servicesOf(services))
}
