import type { WebSocket } from 'ws'
import type { Config } from './config'
import { ApiError, InvalidFieldError, InvalidJsonError, isClientError } from './errors'
import type { Metrics } from './metrics'

/**
 * Sends JSON messages on a WebSocket, and cuts off a client that stops reading: once its unsent messages
 * pass websocket.maxBufferedBytes, nothing more is queued for it and it is closed with 1013 (the close
 * frame follows what is buffered already; ws destroys the socket if the client never answers it).
 */
export function socketSender (socket: WebSocket, config: Config, metrics: Metrics, why: string): (message: object) => void {
  return (message) => {
    if (socket.readyState !== socket.OPEN) return
    if (socket.bufferedAmount > config.websocket.maxBufferedBytes) {
      metrics.websocketsDropped.inc()
      socket.close(1013, why)
      return
    }
    socket.send(JSON.stringify(message))
  }
}

/** How deep a client's message may nest: ours and Piston's need 3 levels (files[0].content). */
export const MAX_MESSAGE_DEPTH = 16

/** Whether `value` nests arrays and objects deeper than `limit`, found without recursion. */
function nestsDeeper (value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]]
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!
    if (typeof item !== 'object' || item === null) continue
    if (depth > limit) return true
    for (const child of Object.values(item)) stack.push([child, depth + 1])
  }
  return false
}

/**
 * A client's WebSocket message as the object it must be (JSON, as text), no field of it nested deeper
 * than MAX_MESSAGE_DEPTH; throws a 400 error naming the field otherwise. Nothing built from a message
 * that passes can overflow the stack later (JSON.stringify of a deep array does; JSON.parse does not).
 */
export function socketMessage (data: Buffer, isBinary: boolean): Record<string, unknown> {
  if (isBinary) throw new InvalidJsonError('each message must be a JSON object as text, not binary')
  let message: unknown
  try {
    message = JSON.parse(data.toString('utf8'))
  } catch {
    throw new InvalidJsonError('each message must be a JSON object as text')
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    throw new InvalidJsonError('each message must be a JSON object as text')
  }
  for (const [field, value] of Object.entries(message)) {
    if (nestsDeeper(value, MAX_MESSAGE_DEPTH - 1)) throw new InvalidFieldError(field, `nests deeper than ${MAX_MESSAGE_DEPTH} levels`)
  }
  return message as Record<string, unknown>
}

/** The longest `ref` echoed back, in characters. */
export const MAX_REF_LENGTH = 128

/** A message's `ref` as it may be echoed: a short string or a number; undefined when absent, null when not allowed. */
export function echoableRef (ref: unknown): string | number | undefined | null {
  if (ref === undefined) return undefined
  if (typeof ref === 'number' && Number.isFinite(ref)) return ref
  if (typeof ref === 'string' && ref.length <= MAX_REF_LENGTH) return ref
  return null
}

/** A value named in an error message, never the whole of what a client sent. */
export function described (value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}...` : value)
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'an object' : typeof value
}

/**
 * A thrown error as a client may hear it: its own code and message for a 4xx of ours or a refusal to try
 * later (a 503: shutting down, the shared queue unreachable), else null (ours to log).
 */
export function clientError (err: unknown): { code: string, message: string } | null {
  if (isClientError(err)) return { code: err.code, message: err.message }
  const refusal = err as ApiError & { code: string, statusCode?: number }
  if (err instanceof ApiError && refusal.statusCode === 503) return { code: refusal.code, message: err.message }
  return null
}
