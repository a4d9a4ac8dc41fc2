import { QueueTimeoutError, ShuttingDownError } from '../errors'

interface Waiter {
  resolve: () => void
  reject: (err: Error) => void
  timer: NodeJS.Timeout
}

/**
 * A counted semaphore, first come first served: how many jobs run at once (CPU slots), or how many
 * interactive sessions are open. A wait past its timeout rejects with QueueTimeoutError.
 */
export class Slots {
  private used = 0
  private readonly waiters: Waiter[] = []
  private closed = false

  constructor (private size: number) {}

  get capacity (): number { return this.size }
  /** Slots taken now. */
  get taken (): number { return this.used }
  /** Takers waiting now. */
  get waiting (): number { return this.waiters.length }

  /** Resolves once a slot is the caller's; it must be given back with give(). */
  async take (timeoutMs: number): Promise<void> {
    if (this.closed) throw new ShuttingDownError()
    if (this.used < this.size && this.waiters.length === 0) {
      this.used++
      return
    }
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1)
          reject(new QueueTimeoutError(timeoutMs))
        }, timeoutMs)
      }
      this.waiters.push(waiter)
    })
  }

  give (): void {
    this.used--
    this.wake()
  }

  /** A new size (the engine's CPU count, known once it answered); waiters take what it adds. */
  resize (size: number): void {
    // Never none: a pool without slots would run nothing.
    if (!Number.isInteger(size) || size < 1) return
    this.size = size
    this.wake()
  }

  /** Every waiter is refused; later takes too. */
  close (): void {
    this.closed = true
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer)
      waiter.reject(new ShuttingDownError())
    }
  }

  private wake (): void {
    while (this.used < this.size && this.waiters.length > 0) {
      const waiter = this.waiters.shift() as Waiter
      clearTimeout(waiter.timer)
      this.used++
      waiter.resolve()
    }
  }
}
