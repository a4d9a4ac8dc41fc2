import type { Checker } from './checkers'
import type { StageLimits } from './limits'

// A job as the proxy sends it to the agent, and its result as the agent answers it.

/** A file of a multi-file job besides its entry point. */
export interface JobFile {
  name: string
  content: string
  encoding?: 'utf8' | 'base64'
}

/** A job as the agent reads it from its JSON line; stdin comes apart, as raw bytes (job-wire.ts). */
export interface JobRequest {
  language: string
  /** The entry point's source. */
  code: string
  /** The entry point's file name in a multi-file job; else the language's own (main.py, Main.java...). */
  entryName?: string
  /** The job's other files, written next to the entry point. */
  files?: JobFile[]
  args?: string[]
  /** Options for the compiler, put just before the source files in its argv (Judge0's compiler_options). */
  compileArgs?: string[]
  /** The run stage's stderr is its stdout (2>&1): one stream, in the order written (Judge0's redirect_stderr_to_stdout). */
  stderrToStdout?: boolean
  /**
   * The stages' argv instead of the language's (no placeholders, `args` and `compileArgs` not added):
   * another API's own command lines (Jobe's, through sh -c). The source is written as `entryName`.
   */
  commands?: { compile?: string[], run: string[] }
  /** The run stage's address space limit, RLIMIT_AS: allocations past it fail (Jobe's memorylimit). */
  addressSpaceBytes?: number
  limits?: { compile?: Partial<StageLimits>, run?: Partial<StageLimits> }
  /** Answer as NDJSON: the output of each stage as it is read, then the result (see the agent's app.ts). */
  stream?: boolean
  /** Give each stage's `output` too: stdout and stderr interleaved as they were read (Piston's). */
  interleaved?: boolean
  /**
   * Give each stage's and test's output as base64 of the bytes the program wrote (`encoding: 'base64'`
   * on it), not decoded as UTF-8: Judge0's base64_encoded answers the raw bytes.
   */
  outputBase64?: boolean
  /** A judge job: compiled once, then run once per test instead of the one run stage (stdin then unused). */
  judge?: JudgeSpec
}

/** One test of a judge job. */
export interface JudgeTest {
  name: string
  stdin: string
  /** The answer the checker compares the output with; absent, any output is accepted (Judge0's runs without one). */
  expectedOutput?: string
  /** This test's run limits, over the job's run limits. */
  limits?: Partial<StageLimits>
}

export interface JudgeSpec {
  tests: JudgeTest[]
  checker: Checker
  /** The tests after the first that is not accepted are skipped. */
  stopOnFirstFailure: boolean
  /** Each test's stdout and stderr are cut to this many bytes in its report. */
  outputBytesPerTest: number
}

/** A test's verdict; a judge job's overall verdict is its first test's that is not accepted. */
export type Verdict =
  | 'accepted' | 'wrong_answer' | 'presentation_error' | 'time_limit' | 'memory_limit' | 'runtime_error' | 'output_limit'
  | 'compile_error' | 'internal_error' | 'skipped'

/** One test as a judge job reports it. */
export interface TestReport {
  name: string
  verdict: Verdict
  exitCode: number | null
  signal: string | null
  cpuMs: number
  wallMs: number
  memoryBytes: number
  /** The program's output, each stream cut to outputBytesPerTest (`outputCut` says when one was). */
  stdout: string
  stderr: string
  /** Set when stdout and stderr are base64 (a job with outputBase64). */
  encoding?: 'base64'
  outputCut: boolean
  /** What the checker said; null when it did not look (the program failed, or the test was skipped). */
  checker: string | null
}

export type JobStatus = 'ok' | 'compile_error' | 'runtime_error' | 'timeout' | 'memory_limit' | 'output_limit' | 'internal_error'

/** What the sandbox measured of a stage, and its verdict. */
export interface StageMeasures {
  exitCode: number | null
  signal: string | null
  wallMs: number
  cpuMs: number
  /** The stage's peak memory, all its processes together. */
  memoryBytes: number
  truncated: 'stdout' | 'stderr' | null
  status: JobStatus
}

/**
 * A stage as the agent answers it and the API gives it: its output decoded as UTF-8 (invalid bytes as
 * U+FFFD), what the sandbox measured, and its verdict. `output` is there only when the job asked for it.
 */
export interface StageReport extends StageMeasures {
  stdout: string
  stderr: string
  output?: string
  /** Set when stdout, stderr and output are base64 (a job with outputBase64). */
  encoding?: 'base64'
}

/** What a job's result says besides its stages. */
export interface JobSummary {
  language: string
  version: string
  status: JobStatus
  /** Set when status is internal_error: what went wrong on our side. */
  message?: string
  /** Time the agent spent on this job, cleanup included. */
  runnerMs: number
  /** Whether the runner proved itself clean afterwards: the proxy reuses it only then. */
  clean: boolean
  problems?: string[]
  /** How many compile stages the job ran: a judge job compiles once however many tests it has. */
  compiles?: number
  /** The job was stopped (POST /kill) while it ran: the stage then running was killed, and none after it ran. */
  stopped?: boolean
}

/** A job's result as the agent answers it (the proxy reads this). */
export interface JobResult extends JobSummary {
  compile: StageReport | null
  run: StageReport | null
  /** A judge job's tests, in order (its `run` is null). */
  tests?: TestReport[]
}
