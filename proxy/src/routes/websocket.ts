import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Value } from '@sinclair/typebox/value'
import type { WebSocket } from 'ws'
import { apiKeyOf, userOf } from '../auth'
import { fieldPath } from '../error-handler'
import { ForbiddenError, InvalidFieldError } from '../errors'
import { submissionBodySchema, type SubmissionBody } from '../schemas'
import type { InputRelay } from '../../../runner/src/contract/input-relay'
import { abandonInput, interactiveInput, MAX_INPUT_MESSAGE_BYTES, sendInput, SIGNAL_NAMES, type ProgramInput } from '../interactive-input'
import { clientError, described, echoableRef, MAX_REF_LENGTH, socketMessage, socketSender } from '../socket-messages'
import type { SubmissionEvent } from '../submissions/queue'
import { submit, type SubmissionContext } from './submissions'

declare module 'fastify' {
  interface FastifyRequest {
    socketUser?: string
  }
}

/** A program input message as a client sends it over the socket, checked; throws naming the bad field. */
function programInput (message: Record<string, unknown>): ProgramInput {
  const { type, data, signal } = message
  if (type === 'stdin') {
    if (typeof data !== 'string') throw new InvalidFieldError('data', 'must be a string')
    if (Buffer.byteLength(data) > MAX_INPUT_MESSAGE_BYTES) {
      throw new InvalidFieldError('data', `must be at most ${MAX_INPUT_MESSAGE_BYTES} bytes a message`)
    }
    return { type, data }
  }
  if (type === 'signal') {
    if (typeof signal !== 'string' || !SIGNAL_NAMES.includes(signal)) {
      throw new InvalidFieldError('signal', `must be a signal's name, such as SIGINT, SIGTERM or SIGKILL, got ${described(signal)}`)
    }
    return { type, signal }
  }
  return { type: 'eof' }
}

/**
 * GET /api/v1/ws: every event of the user's submissions (queued, running, stdout, stderr, done), in
 * order, and a way to submit: {"type": "submit", "ref"?, "interactive"?, ...the submission body}. An
 * interactive submission takes {"type": "stdin" | "eof" | "signal", "id", ...} from the socket that made
 * it while it runs. A client that stops reading is cut off once its unsent events pass
 * websocket.maxBufferedBytes (its submissions run on; GET reads their results); one that leaves costs
 * nothing: its submissions finish and are kept as any others, but its interactive ones are killed (or,
 * not yet started, never run).
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
    const send = socketSender(socket, config, metrics, 'too many unread events: read faster, or GET /api/v1/submissions/:id')
    // This socket's interactive submissions, until done.
    const relays = new Map<string, InputRelay>()
    const unsubscribe = submissions.subscribe(userId, (event: SubmissionEvent) => {
      if (event.type === 'done') relays.delete(event.id)
      send(event)
    })

    const handle = (message: Record<string, unknown>, ref: string | number | undefined) => {
      const { type, ref: _ref, interactive, ...body } = message
      if (type === 'stdin' || type === 'eof' || type === 'signal') {
        const relay = typeof message.id === 'string' ? relays.get(message.id) : undefined
        if (!relay) {
          const got = described(message.id)
          throw new InvalidFieldError('id', `must be the id of a running interactive submission made on this connection, got ${got}`)
        }
        sendInput(relay, programInput(message))
        return
      }
      if (type !== 'submit') throw new InvalidFieldError('type', `must be "submit", "stdin", "eof" or "signal", got ${described(type)}`)
      if (interactive !== undefined && typeof interactive !== 'boolean') throw new InvalidFieldError('interactive', 'must be a boolean')
      const problem = Value.Errors(schema, body).First()
      if (problem) throw new InvalidFieldError(fieldPath(problem.path), problem.message)
      if (body.userId !== undefined && body.userId !== userId) {
        throw new ForbiddenError(`userId ${described(body.userId)} is not this connection's user`)
      }
      // Its input comes from this socket: the socket is paused while input piles up ahead of the program.
      const relay = interactive === true ? interactiveInput((body.stdin as string | undefined) ?? '', socket) : undefined
      const view = submit(body as SubmissionBody, userId, context, relay)
      if (relay) relays.set(view.id, relay)
      send({ type: 'submitted', ...(ref !== undefined ? { ref } : {}), id: view.id, position: view.position })
    }

    // Nothing a client sends may throw out of here: every problem is an error message on the socket.
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      let ref: string | number | undefined
      try {
        const message = socketMessage(data, isBinary)
        const echoed = echoableRef(message.ref)
        if (echoed === null) throw new InvalidFieldError('ref', `must be a number or a string of at most ${MAX_REF_LENGTH} characters`)
        ref = echoed
        handle(message, ref)
      } catch (err) {
        const known = clientError(err)
        if (!known) request.log.error({ err }, 'a WebSocket message failed')
        send({ type: 'error', ...(ref !== undefined ? { ref } : {}), error: known ?? { code: 'EXEC_ERR_INTERNAL', message: 'internal error' } })
      }
    })
    socket.on('close', () => {
      for (const relay of relays.values()) abandonInput(relay)
      relays.clear()
      unsubscribe()
      metrics.websocketConnections.dec()
    })
  })
}
