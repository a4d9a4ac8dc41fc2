import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Value } from '@sinclair/typebox/value'
import type { WebSocket } from 'ws'
import { apiKeyOf, userOf } from '../auth'
import { fieldPath } from '../error-handler'
import { ForbiddenError, InvalidFieldError, InvalidJsonError } from '../errors'
import { submissionBodySchema, type SubmissionBody } from '../schemas'
import type { SubmissionEvent } from '../submissions/queue'
import { submit, type SubmissionContext } from './submissions'

declare module 'fastify' {
  interface FastifyRequest {
    socketUser?: string
  }
}

/**
 * GET /api/v1/ws: every event of the user's submissions (queued, running, done), in order, and a way to
 * submit: {"type": "submit", "ref"?, ...the submission body}. A client that stops reading is cut off
 * once its unsent events pass websocket.maxBufferedBytes (its submissions run on; GET reads their
 * results); one that leaves costs nothing: its submissions finish and are kept as any others.
 */
export function websocketRoute (app: FastifyInstance, context: SubmissionContext): void {
  const { config, metrics, submissions } = context
  const schema = submissionBodySchema(config)

  app.get('/api/v1/ws', {
    websocket: true,
    // Refused before the upgrade, as a plain 4xx: no key, an unknown key, or (without keys) no user.
    preValidation: async (request: FastifyRequest<{ Querystring: Record<string, string> }>) => {
      request.socketUser = userOf(config, apiKeyOf(request.headers, request.query), request.query.userId)
    }
  }, (socket: WebSocket, request: FastifyRequest) => {
    const userId = request.socketUser!
    metrics.websocketConnections.inc()
    const send = (message: object) => {
      if (socket.readyState !== socket.OPEN) return
      if (socket.bufferedAmount > config.websocket.maxBufferedBytes) {
        metrics.websocketsDropped.inc()
        // Nothing more is queued for it: the close frame follows what is buffered already, and ws destroys
        // the socket if the client never answers it.
        socket.close(1013, 'too many unread events: read faster, or GET /api/v1/submissions/:id')
        return
      }
      socket.send(JSON.stringify(message))
    }
    const unsubscribe = submissions.subscribe(userId, (event: SubmissionEvent) => send(event))

    socket.on('message', (data: Buffer, isBinary: boolean) => {
      let message: { type?: unknown, ref?: unknown, [field: string]: unknown }
      try {
        if (isBinary) throw new Error('binary')
        message = JSON.parse(data.toString('utf8'))
        if (typeof message !== 'object' || message === null || Array.isArray(message)) throw new Error('not an object')
      } catch {
        send({ type: 'error', error: { code: new InvalidJsonError('').code, message: 'each message must be a JSON object as text' } })
        return
      }
      const { type, ref, ...body } = message
      try {
        if (type !== 'submit') throw new InvalidFieldError('type', `must be "submit", got ${JSON.stringify(type)}`)
        const problem = Value.Errors(schema, body).First()
        if (problem) throw new InvalidFieldError(fieldPath(problem.path), problem.message)
        if (body.userId !== undefined && body.userId !== userId) throw new ForbiddenError(`userId ${JSON.stringify(body.userId)} is not this connection's user`)
        const view = submit(body as SubmissionBody, userId, context)
        send({ type: 'submitted', ...(ref !== undefined ? { ref } : {}), id: view.id, position: view.position })
      } catch (err) {
        const error = err as { code?: string, message: string, statusCode?: number }
        send({ type: 'error', ...(ref !== undefined ? { ref } : {}), error: { code: error.code ?? 'EXEC_ERR_INTERNAL', message: error.message } })
      }
    })
    socket.on('close', () => {
      unsubscribe()
      metrics.websocketConnections.dec()
    })
  })
}
