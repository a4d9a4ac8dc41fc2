import type { JobOutcome } from './pool/provider'
import type { Runner } from './pool/runner'

/** What the routes need of a pool; RunnerPool is the real one. */
export interface ExecutionPool {
  acquire (): Promise<Runner>
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
  close (): Promise<void>
}
