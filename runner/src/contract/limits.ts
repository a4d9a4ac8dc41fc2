// The limits of one stage (compile or run). Shared by the agent, which enforces them, and the proxy,
// which fills them from the request, the language's defaults and pool.config.json.

export interface StageLimits {
  /** Wall clock. */
  timeoutMs: number
  /** CPU time of the stage's main process (its threads and the children it waited for). */
  cpuTimeMs: number
  /** Peak memory. */
  memoryBytes: number
  /** Cap on stdout and on stderr, each. */
  outputBytes: number
  /** Processes and threads the program's uid may have at once (RLIMIT_NPROC). */
  processes: number
  /** Largest file the program may write (RLIMIT_FSIZE). */
  fileSizeBytes: number
  /** Open file descriptors (RLIMIT_NOFILE). */
  openFiles: number
}

export type StageName = 'compile' | 'run'
export type JobLimits = Record<StageName, StageLimits>

export const LIMIT_NAMES: ReadonlyArray<keyof StageLimits> = [
  'timeoutMs', 'cpuTimeMs', 'memoryBytes', 'outputBytes', 'processes', 'fileSizeBytes', 'openFiles'
]

const MiB = 1024 * 1024

/**
 * The default limits: the proxy's `limits.default` unless pool.config.json sets others, and the agent's
 * own for a job that reaches it without limits (the proxy always sends all).
 */
export const DEFAULT_LIMITS: JobLimits = {
  compile: { timeoutMs: 10000, cpuTimeMs: 10000, memoryBytes: 512 * MiB, outputBytes: MiB, processes: 128, fileSizeBytes: 64 * MiB, openFiles: 256 },
  run: { timeoutMs: 3000, cpuTimeMs: 3000, memoryBytes: 256 * MiB, outputBytes: MiB, processes: 64, fileSizeBytes: 16 * MiB, openFiles: 256 }
}

/** The most a request may ask for, unless pool.config.json sets other maximums. */
export const MAX_LIMITS: JobLimits = {
  compile: {
    timeoutMs: 30000, cpuTimeMs: 30000, memoryBytes: 1024 * MiB, outputBytes: 4 * MiB, processes: 256, fileSizeBytes: 64 * MiB, openFiles: 1024
  },
  run: {
    timeoutMs: 15000, cpuTimeMs: 15000, memoryBytes: 1024 * MiB, outputBytes: 16 * MiB, processes: 256, fileSizeBytes: 64 * MiB, openFiles: 1024
  }
}
