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
      this.sink.drained(() => this.resume())
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

  /** The program is over, or never came: input is dropped from now on. */
  close (): void {
    this.over = true
    this.waiting = []
    this.resume()
  }

  get closed (): boolean { return this.over }

  private pause (): void {
    if (!this.paused) this.client.pause()
    this.paused = true
  }

  private resume (): void {
    if (this.paused) this.client.resume()
    this.paused = false
  }
}
