import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { Value } from '@sinclair/typebox/value'
import type { WebSocket } from 'ws'
import type { InputRelay } from '../../../../runner/src/contract/input-relay'
import { apiKeyOf, keysConfigured, userOf } from '../../auth'
import { executeJob, type ExecutionInput, type ExecutionLog } from '../../execution'
import { abandonInput, interactiveInput, MAX_INPUT_MESSAGE_BYTES, sendInput, SharedPause, SIGNAL_NAMES } from '../../interactive-input'
import { jobInput } from '../../job-input'
import { servicesOf, type Services } from '../../services'
import { clientError, socketMessage, socketSender } from '../../socket-messages'
import { PistonExecute, pistonMessage, pistonRequest, type PistonExecuteBody } from './format'

/** How long a client of /api/v2/connect has to send its init message, as Piston gives it. */
export const PISTON_INIT_TIMEOUT_MS = 1000

// Piston's close codes.
const CLOSE = {
  alreadyInitialized: [4000, 'Already Initialized'],
  initializationTimeout: [4001, 'Initialization Timeout'],
  notifiedError: [4002, 'Notified Error'],
  notYetInitialized: [4003, 'Not yet Initialized'],
  onlyStdin: [4004, 'Can only write to stdin'],
  invalidSignal: [4005, 'Invalid signal'],
  jobCompleted: [4999, 'Job Completed']
} as const

/**
 * GET /api/v2/connect: Piston's interactive protocol. The client sends {"type": "init", ...an execute
 * body} within a second, then {"type": "data", "stream": "stdin", "data"} and {"type": "signal",
 * "signal"} while the program runs; it hears {"type": "runtime"}, then {"type": "stage"}, {"type":
 * "data", "stream", "data"} and {"type": "exit", "stage", "code", "signal"} for each stage, and the socket
 * closes with 4999 once the job is over. A problem is {"type": "error", "message"} and a close with 4002.
 */
export const pistonConnect: FastifyPluginAsync<Services> = async (app, options) => {
  const services = servicesOf(options)
  const { config, pool, metrics } = services
  app.get('/connect', {
    websocket: true,
    preValidation: async (request: FastifyRequest<{ Querystring: Record<string, string> }>) => {
      if (keysConfigured(config)) userOf(config, apiKeyOf(request.headers, request.query), undefined)
    }
  }, (socket: WebSocket, request: FastifyRequest) => {
    metrics.websocketConnections.inc()
    const send = socketSender(socket, config, metrics, 'too many unread messages')
    const close = ([code, reason]: readonly [number, string]) => { if (socket.readyState === socket.OPEN) socket.close(code, reason) }
    const fail = (message: string) => {
      send({ type: 'error', message })
      close(CLOSE.notifiedError)
    }
    let relay: InputRelay | undefined
    const initTimer = setTimeout(() => { if (!relay) close(CLOSE.initializationTimeout) }, PISTON_INIT_TIMEOUT_MS)

    const init = (body: Record<string, unknown>) => {
      const problem = Value.Errors(PistonExecute, body).First()
      if (problem) return fail(`${problem.path.slice(1).replace(/\//g, '.') || 'body'} ${problem.message}`)
      let input: ExecutionInput
      try {
        input = jobInput(pistonRequest(body as PistonExecuteBody, config), config, pool.versions)
      } catch (err) {
        if (!clientError(err)) throw err
        return fail(pistonMessage(err as Error, body as PistonExecuteBody, pool.versions))
      }
      const job = interactiveInput(input.stdin, new SharedPause(socket).handle())
      relay = job
      send({ type: 'runtime', language: input.language.name, version: pool.versions[input.language.name] ?? 'unknown' })
      const execution: ExecutionLog = { language: input.language.name }
      executeJob(input, services, {
        log: request.log,
        execution,
        gone: () => job.abandoned,
        input: job,
        live: {
          onStage: (stage) => send({ type: 'stage', stage }),
          onOutput: (_stage, stream, data) => send({ type: 'data', stream, data }),
          onExit: (stage, exit) => send({ type: 'exit', stage, code: exit.exitCode, signal: exit.signal })
        }
      }).then((answer) => {
        if (answer === null) return
        // The runner failed: Piston's clients hear of it as an error, not as a finished job.
        if (answer.status === 'internal_error' && answer.run === null && answer.compile === null) fail(answer.message ?? 'internal error')
        else close(CLOSE.jobCompleted)
      }, (err: Error) => fail(err.message))
    }

    const handle = (message: Record<string, unknown>) => {
      const { type, ...rest } = message
      if (type === 'init') {
        if (relay) return close(CLOSE.alreadyInitialized)
        return init(rest)
      }
      if (type !== 'data' && type !== 'signal') return
      if (!relay) return close(CLOSE.notYetInitialized)
      if (type === 'data') {
        if (message.stream !== 'stdin') return close(CLOSE.onlyStdin)
        if (typeof message.data !== 'string') return fail('data must be a string')
        if (Buffer.byteLength(message.data) > MAX_INPUT_MESSAGE_BYTES) return fail(`data must be at most ${MAX_INPUT_MESSAGE_BYTES} bytes a message`)
        sendInput(relay, { type: 'stdin', data: message.data })
      } else {
        if (typeof message.signal !== 'string' || !SIGNAL_NAMES.includes(message.signal)) return close(CLOSE.invalidSignal)
        sendInput(relay, { type: 'signal', signal: message.signal })
      }
    }

    // Nothing a client sends may throw out of here: a problem is Piston's error message and close.
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      try {
        handle(socketMessage(data, isBinary))
      } catch (err) {
        const known = clientError(err)
        if (!known) request.log.error({ err }, 'a WebSocket message failed')
        fail(known?.message ?? 'internal error')
      }
    })
    socket.on('close', () => {
      clearTimeout(initTimer)
      if (relay) abandonInput(relay)
      metrics.websocketConnections.dec()
    })
  })
}
