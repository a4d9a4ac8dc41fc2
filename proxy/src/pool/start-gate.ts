import { setTimeout as sleep } from 'node:timers/promises'

/**
 * How runner starts are paced when they fail. While they succeed, any number start at once (the pool
 * fills in parallel). Once one fails (the image is gone, the engine is down), starts go one at a time,
 * each after a delay that doubles up to `maxDelayMs`: 45 runners waiting to be made cost one attempt a
 * delay, not 45. The first success lets them all go at once again.
 */
export class StartGate {
  private failures = 0
  private nextAt = 0
  private turn: Promise<void> = Promise.resolve()

  constructor (private readonly baseDelayMs = 250, private readonly maxDelayMs = 10000) {}

  /** The wait before the next attempt now: 0 while starts succeed. */
  get delayMs (): number {
    return this.failures === 0 ? 0 : Math.min(this.baseDelayMs * 2 ** Math.min(this.failures - 1, 20), this.maxDelayMs)
  }

  /** Runs one attempt at its turn; rejects with its error (the caller decides whether to try again). */
  async run<T> (attempt: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.failures === 0) return await this.settle(attempt)
    const previous = this.turn
    let release!: () => void
    this.turn = new Promise((resolve) => { release = resolve })
    try {
      await previous
      if (this.failures > 0) {
        await sleep(Math.max(0, this.nextAt - Date.now()), undefined, { signal })
      }
      // Starts succeed again: the others need not wait for this one.
      if (this.failures === 0) release()
      return await this.settle(attempt)
    } finally {
      release()
    }
  }

  private async settle<T> (attempt: () => Promise<T>): Promise<T> {
    try {
      const value = await attempt()
      this.failures = 0
      this.nextAt = 0
      return value
    } catch (err) {
      this.failures++
      this.nextAt = Date.now() + this.delayMs
      throw err
    }
  }
}
