/** Where a relay's input goes: false from `write` when it is full, and `drained` once it has room again. */
export interface RelaySink {
  write: (parts: Buffer[]) => boolean
  drained: (listener: () => void) => void
}

// Input held before there is a sink, at most, before the client is paused.
const WAITING_BYTES = 1 << 20

/**
 * A client's input for a program, in order: held until there is somewhere to send it (`open`), then
 * sent no faster than it is taken, then dropped once the program is over (`close`). The client is paused
 * while input piles up, so a program that reads nothing holds its input back all the way to the client.
 * The agent relays a socket's control lines to the launcher so; the proxy, a WebSocket's messages to the
 * runner.
 */
export class InputRelay {
  private waiting: Buffer[][] = []
  private waitingBytes = 0
  private sink?: RelaySink
  private over = false
  private paused = false
  private awaitingDrain = false
  private left = false
  private onLeave?: () => void

  constructor (private readonly client: { pause: () => void, resume: () => void }) {}

  send (parts: Buffer[]): void {
    if (this.over) return
    if (!this.sink) {
      this.waiting.push(parts)
      for (const part of parts) this.waitingBytes += part.length
      if (this.waitingBytes > WAITING_BYTES) this.pause()
      return
    }
    if (!this.sink.write(parts)) {
      this.pause()
      // One listener however many writes find the sink full (a client that is not paused yet sends on).
      if (this.awaitingDrain) return
      this.awaitingDrain = true
      this.sink.drained(() => {
        this.awaitingDrain = false
        this.resume()
      })
    }
  }

  /** Input goes to `sink` from now on, what waited first. */
  open (sink: RelaySink): void {
    if (this.over || this.sink) return
    this.sink = sink
    const waiting = this.waiting
    this.waiting = []
    this.waitingBytes = 0
    this.resume()
    for (const parts of waiting) this.send(parts)
  }

  /**
   * The client has gone: nothing it sent is of use any more but `last` (a kill), which the program gets
   * as soon as it exists, even if that is after this.
   */
  abandon (last: Buffer[]): void {
    if (this.over || this.left) return
    this.left = true
    this.onLeave?.()
    if (this.sink) {
      this.send(last)
      return
    }
    this.waiting = [last]
    this.waitingBytes = 0
    this.resume()
  }

  /**
   * Calls `listener` when the client goes (at once if it has), while the relay is not closed: for a kill
   * out of band, which no input waiting ahead of it can hold back.
   */
  whenAbandoned (listener: () => void): void {
    if (this.over) return
    if (this.left) listener()
    else this.onLeave = listener
  }

  /** Whether the client has gone (`abandon`). */
  get abandoned (): boolean { return this.left }

  /** The program is over, or never came: input is dropped from now on. */
  close (): void {
    this.over = true
    this.onLeave = undefined
    this.waiting = []
    this.resume()
  }

  private pause (): void {
    if (!this.paused) this.client.pause()
    this.paused = true
  }

  private resume (): void {
    if (this.paused) this.client.resume()
    this.paused = false
  }
}
