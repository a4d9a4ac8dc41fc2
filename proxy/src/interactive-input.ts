import { InputRelay } from '../../runner/src/contract/input-relay'
import type { ControlMessage } from '../../runner/src/contract/interactive-protocol'

export { SIGNAL_NAMES } from '../../runner/src/contract/interactive-protocol'

interface Pausable {
  pause: () => void
  resume: () => void
}

/** How often a paused client is pinged, to learn whether it is still there. */
export const PAUSED_PING_MS = 1000

/**
 * One client (a WebSocket) whose input feeds several relays, one per interactive run on it: it is paused
 * while any relay holds it paused, and resumes only once none does. A paused socket is not read, so a
 * client that leaves meanwhile is not heard leaving (its FIN waits unread): it is pinged while paused,
 * and the write that meets the closed peer's reset closes the socket, whose close abandons its runs.
 */
export class SharedPause {
  private holders = 0
  private pinger?: NodeJS.Timeout

  constructor (private readonly client: Pausable & { ping?: () => void }) {}

  /** A relay's own handle: InputRelay pauses and resumes it alternately, never twice in a row. */
  handle (): Pausable {
    return {
      pause: () => {
        if (this.holders++ > 0) return
        this.client.pause()
        if (this.client.ping) this.pinger = setInterval(() => this.ping(), PAUSED_PING_MS).unref()
      },
      resume: () => {
        if (--this.holders > 0) return
        clearInterval(this.pinger)
        this.client.resume()
      }
    }
  }

  private ping (): void {
    try {
      this.client.ping!()
    } catch {
      // Not open any more: its close has been heard.
      clearInterval(this.pinger)
    }
  }
}

/** The most one stdin message may carry, in bytes. */
export const MAX_INPUT_MESSAGE_BYTES = 1 << 20

/**
 * The input of one interactive job, from a client that can be paused (a WebSocket): its stdin first,
 * then the client's messages, held until a runner runs the job (Runner.interactive opens it).
 */
export function interactiveInput (stdin: string, client: Pausable): InputRelay {
  const relay = new InputRelay(client)
  if (stdin !== '') sendInput(relay, { type: 'stdin', data: stdin })
  return relay
}

export function sendInput (relay: InputRelay, message: ControlMessage): void {
  relay.send([Buffer.from(JSON.stringify(message) + '\n')])
}

/**
 * The client has gone: a job not yet on a runner will not run (its source reads as gone), one on a
 * runner, or on its way to one, has its program killed and ends as any other.
 */
export function abandonInput (relay: InputRelay): void {
  relay.abandon([Buffer.from(JSON.stringify({ type: 'signal', signal: 'SIGKILL' }) + '\n')])
}
