import type { Runner } from './runner'

/** Why a runner left the pool. */
export type RemovalReason = 'max_uses' | 'unclean' | 'outgrown' | 'crashed' | 'timed_out' | 'shutdown' | 'failed'

/** How a job left its runner: the runner's own clean report, or how talking to it failed. */
export type JobOutcome = 'clean' | 'unclean' | 'crashed' | 'timed_out'

/**
 * Makes and removes runners. The pool does not know where runners live: Docker today, something else
 * later, a fake in unit tests.
 */
export interface RunnerProvider {
  /** A runner that answers /health. Retries with back-off until it succeeds or the provider is closed. */
  create (): Promise<Runner>
  destroy (runner: Runner, reason: RemovalReason): Promise<void>
  /**
   * Whether a runner that reported itself clean still holds more memory than the next job can afford
   * (gVisor's kernel keeps what a job made it take); it is then replaced. Optional: false without it.
   */
  outgrown?: (runner: Runner) => boolean
  /**
   * Sets the CPU weight of the runner's container against the others (Docker's cpu-shares). Optional:
   * without it, or where the runtime cannot change it (runsc), every runner weighs the same.
   */
  setCpuShares?: (runner: Runner, shares: number) => Promise<void>
  /** Sets the memory limit of the runner's container. */
  setMemory (runner: Runner, memoryBytes: number): Promise<void>
  /** The engine's CPU count, once start() has asked it: the default number of CPU slots. */
  readonly cpus?: number
  /** Removes what an earlier process with this pool's name left behind, and starts noticing deaths. */
  start (): Promise<void>
  /** Stops creating; pending creates reject. */
  stop (): void
  /** Removes every runner of this pool, tracked or not. */
  removeAll (): Promise<number>
}
