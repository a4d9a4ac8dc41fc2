import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { Value } from '@sinclair/typebox/value'
import type { WebSocket } from 'ws'
import type { InputRelay } from '../../../../runner/src/contract/input-relay'
import type { ControlMessage } from '../../../../runner/src/contract/interactive-protocol'
import { apiKeyOf, keysConfigured, userOf } from '../../auth'
import { valueError } from '../../error-handler'
import { ForbiddenError, InvalidFieldError } from '../../errors'
import {
  abandonInput, interactiveInput, MAX_INPUT_MESSAGE_BYTES, sendInput, SharedPause, SIGNAL_NAMES
} from '../../interactive-input'
import type { Services } from '../../services'
import { clientError, described, echoableRef, MAX_REF_LENGTH, socketMessage, socketSender } from '../../socket-messages'
import type { SubmissionEvent } from '../../submissions/queue'
import { submissionBodySchema, type SubmissionBody } from './schemas'
import { submissionInput } from './submission-input'

declare module 'fastify' {
  interface FastifyRequest {
    socketUser?: string
  }
}

/** A program input message as a client sends it over the socket, checked; throws naming the bad field. */
function programInput (message: Record<string, unknown>): ControlMessage {
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
 * GET /api/v1/ws: submissions' events (queued, running, stdout, stderr, done), in order, and a way to
 * submit: {"type": "submit", "ref"?, "interactive"?, ...the submission body}. With API keys a socket
 * hears every submission of its key's user, however made; without, only those it made itself (a
 * userId is anyone's to name, so it cannot be what guards another's output). An
 * interactive submission takes {"type": "stdin" | "eof" | "signal", "id", ...} from the socket that made
 * it while it runs; any submission, {"type": "cancel", "id"}. A client that stops reading is cut off once its unsent events pass
 * websocket.maxBufferedBytes (its submissions run on; GET reads their results); one that leaves costs
 * nothing: its submissions finish and are kept as any others, but its interactive ones are killed (or,
 * not yet started, never run).
 */
export const v1Socket: FastifyPluginAsync<Services> = async (app, { config, pool, metrics, submissions }) => {
  const schema = submissionBodySchema(config)

  app.get('/ws', {
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
    // Every submission made on this socket, until done: these it may cancel.
    const made = new Set<string>()
    // They all read from this socket: it stays paused while any of them holds input back.
    const pause = new SharedPause(socket)
    const hear = (event: SubmissionEvent) => {
      if (event.type === 'done') {
        relays.delete(event.id)
        made.delete(event.id)
      }
      send(event)
    }
    const unsubscribe = keysConfigured(config) ? submissions.subscribe(userId, hear) : () => {}
    const watcher = keysConfigured(config) ? undefined : hear

    const handle = async (message: Record<string, unknown>, ref: string | number | undefined) => {
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
      if (type === 'cancel') {
        if (typeof message.id !== 'string' || !made.has(message.id)) {
          throw new InvalidFieldError('id', `must be the id of a submission made on this connection and not done yet, got ${described(message.id)}`)
        }
        await submissions.cancel(message.id)
        return
      }
      if (type !== 'submit') {
        throw new InvalidFieldError('type', `must be "submit", "cancel", "stdin", "eof" or "signal", got ${described(type)}`)
      }
      if (interactive !== undefined && typeof interactive !== 'boolean') throw new InvalidFieldError('interactive', 'must be a boolean')
      const problem = Value.Errors(schema, body).First()
      if (problem) throw valueError(problem)
      const { userId: named, ...request } = body as SubmissionBody
      if (named !== undefined && named !== userId) {
        throw new ForbiddenError(`userId ${described(named)} is not this connection's user`)
      }
      if (interactive === true && request.tests !== undefined) throw new InvalidFieldError('interactive', 'cannot come with tests')
      const input = submissionInput(request, config, pool.versions)
      // Its input comes from this socket: the socket is paused while input piles up ahead of the program
      // (a refused submission's relay is closed, and lets go of it).
      const relay = interactive === true ? interactiveInput(input.stdin, pause.handle()) : undefined
      const view = await submissions.submit(userId, input, { relay, watcher })
      if (relay) relays.set(view.id, relay)
      made.add(view.id)
      send({ type: 'submitted', ...(ref !== undefined ? { ref } : {}), id: view.id, position: view.position })
    }

    // Messages are handled one after another, in the order sent, even while a submit waits on a shared queue.
    let handled = Promise.resolve()
    // Nothing a client sends may throw out of here: every problem is an error message on the socket.
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      let ref: string | number | undefined
      handled = handled.then(async () => {
        const message = socketMessage(data, isBinary)
        const echoed = echoableRef(message.ref)
        if (echoed === null) throw new InvalidFieldError('ref', `must be a number or a string of at most ${MAX_REF_LENGTH} characters`)
        ref = echoed
        await handle(message, ref)
      }).catch((err: unknown) => {
        const known = clientError(err)
        if (!known) request.log.error({ err }, 'a WebSocket message failed')
        send({ type: 'error', ...(ref !== undefined ? { ref } : {}), error: known ?? { code: 'EXEC_ERR_INTERNAL', message: 'internal error' } })
      })
    })
    socket.on('close', () => {
      for (const relay of relays.values()) abandonInput(relay)
      relays.clear()
      unsubscribe()
      metrics.websocketConnections.dec()
    })
  })
}
