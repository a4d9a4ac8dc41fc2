import type { JobOutcome } from './pool/provider'
import type { Runner } from './pool/runner'
import type { AcquireOptions, JobKind } from './pool/runner-pool'

/** What the routes need of a pool; RunnerPool is the real one. */
export interface ExecutionPool {
  /** A runner, once the job has its CPU slot (batch) or its interactive seat. */
  acquire (kind?: JobKind, options?: AcquireOptions): Promise<Runner>
  release (runner: Runner, outcome: JobOutcome): void
  fit (runner: Runner, memoryBytes: number): Promise<void>
  giveBack (runner: Runner): void
  /** Toolchain versions by language, as the runners report them; empty before the first runner starts. */
  readonly versions: Record<string, string>
  readonly isReady: boolean
  readonly ready: number
  readonly min: number
  readonly max: number
  readonly available: number
  readonly borrowed: number
  readonly starting: number
  readonly pending: number
  readonly maxRunning: number
  readonly running: number
  readonly maxInteractive: number
  readonly interactive: number
  close (): Promise<void>
}
