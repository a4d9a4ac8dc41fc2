import type { WebSocket } from 'ws'
import type { Config } from './config'
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

/** A client's WebSocket message as the object it must be (JSON, as text); null when it is not one. */
export function socketMessage (data: Buffer, isBinary: boolean): Record<string, unknown> | null {
  if (isBinary) return null
  try {
    const message = JSON.parse(data.toString('utf8'))
    return typeof message === 'object' && message !== null && !Array.isArray(message) ? message : null
  } catch {
    return null
  }
}
