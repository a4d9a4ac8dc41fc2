import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Language } from '../../runner/src/contract/languages'
import type { JobFile, JobResult, JudgeSpec, StageReport, TestReport } from '../../runner/src/contract/job'
import type { JobLimits } from '../../runner/src/contract/limits'
import type { InputRelay } from '../../runner/src/contract/input-relay'
import type { Config } from './config'
import { ClientGoneError, EngineError, RunnerError } from './errors'
import type { ExecutionPool } from './execution-pool'
import { containerMemoryBytes, maxResultBytes, runnerDeadlineMs } from './limits'
import { rejectionReason, type Metrics } from './metrics'
import type { LiveHandlers } from './pool/runner'
import type { StopRequest } from './stop-request'

/** What a cancelled submission's answer says of it. */
export const CANCELLED = 'cancelled by its maker'

const sinceMs = (start: number) => Math.round((performance.now() - start) * 100) / 100

/** What the request log line says of an execution; never the code or its output. */
export interface ExecutionLog {
  language: string
  status?: string
  queueMs?: number
  runner?: string
}

declare module 'fastify' {
  interface FastifyRequest {
    execution?: ExecutionLog
  }
}

export interface ExecutionInput {
  language: Language
  /** The entry point's source; with `entryName` and `files` for a multi-file job. */
  code: string
  entryName?: string
  files?: JobFile[]
  stdin: string
  args: string[]
  limits: JobLimits
  /** Options for the compiler, before the sources (Judge0's compiler_options). */
  compileArgs?: string[]
  /** The run's stderr is its stdout, 2>&1 (Judge0's redirect_stderr_to_stdout). */
  stderrToStdout?: boolean
  /** Output in the answer as base64 of its bytes, each stage and test marked `encoding: 'base64'` (Judge0's). */
  outputBase64?: boolean
  /** The stages' own argv instead of the language's (Jobe's command lines), and the run's RLIMIT_AS. */
  commands?: { compile?: string[], run: string[] }
  addressSpaceBytes?: number
  /** Have each stage's `output` (stdout and stderr interleaved as read) in the answer: Piston's. */
  interleaved?: boolean
  /** A judge job: compiled once, run once per test (judge-input.ts); `stdin` is then unused. */
  judge?: JudgeSpec
}

export interface ExecutionAnswer {
  language: string
  version: string
  status: string
  compile: StageReport | null
  run: StageReport | null
  /** A judge job's tests, in order, and how many times its program was compiled (once). */
  tests?: TestReport[]
  compiles?: number
  message?: string
  timing: { queueMs: number, runnerMs: number, totalMs: number }
}

/** Where a job comes from, for the parts of running it that are not the pool's. */
export interface JobSource {
  /** Logs a runner's failure or uncleanliness with the job's context. */
  log: { warn: (object: object, message: string) => void }
  /** What the job's log line says of it; filled in as the job goes. */
  execution: ExecutionLog
  /** Whether whoever asked has gone while the job waited: the runner then goes back unused. */
  gone: () => boolean
  /**
   * Waits for a runner for as long as it takes, in its place in the pool's queue, and is never refused
   * for a full queue: a submission, which its own queue has bounded already.
   */
  patient?: boolean
  /** Called once a runner has taken the job. */
  onRunning?: () => void
  /** Told what the job does as it happens (output, stages); the job is then streamed from the runner. */
  live?: LiveHandlers
  /**
   * The program's input while it runs (control messages, see interactive-input.ts): the job is then
   * interactive, and `live` is required. Its stdin is the relay's first message, not ExecutionInput's.
   */
  input?: InputRelay
  /** Its maker may stop it: it then never runs (null), or the runner stops it and its status is `cancelled`. */
  stop?: StopRequest
}

/** An answer as /api/v1 gives it: each stage without `output` (the interleaved stream, Piston's). */
export function v1Answer (answer: ExecutionAnswer): ExecutionAnswer {
  const stage = (report: StageReport | null) => {
    if (report === null) return null
    const { output: _output, ...rest } = report
    return rest as StageReport
  }
  return { ...answer, compile: stage(answer.compile), run: stage(answer.run) }
}

/** What running a job takes of the service. */
export interface ExecutionServices {
  config: Config
  pool: ExecutionPool
  metrics: Metrics
}

/**
 * Runs a job for an HTTP request: the request's log line gets the execution, and a client that leaves
 * while it waits costs no runner (ClientGoneError, which each API answers as a 499).
 */
export async function executeForRequest (
  input: ExecutionInput, services: ExecutionServices, request: FastifyRequest, reply: FastifyReply
): Promise<ExecutionAnswer> {
  const execution: ExecutionLog = { language: input.language.name }
  request.execution = execution
  let clientGone = false
  reply.raw.once('close', () => { clientGone = !reply.raw.writableFinished })
  const answer = await executeJob(input, services, { log: request.log, execution, gone: () => clientGone })
  if (answer === null) throw new ClientGoneError()
  return answer
}

/**
 * One job through the pool, shared by every API that runs code: wait for a runner, hand it the job,
 * give the runner back (or have it replaced), count it. Resolves null when the asker left while it
 * waited; a runner that fails mid-job is an internal_error answer, never a throw.
 */
export async function executeJob (
  input: ExecutionInput, { config, pool, metrics }: ExecutionServices, source: JobSource
): Promise<ExecutionAnswer | null> {
  const started = performance.now()
  const { language, limits } = input
  const job = {
    language: language.name,
    code: input.code,
    ...(input.entryName !== undefined ? { entryName: input.entryName } : {}),
    ...(input.files?.length ? { files: input.files } : {}),
    args: input.args,
    ...(input.compileArgs?.length ? { compileArgs: input.compileArgs } : {}),
    ...(input.stderrToStdout ? { stderrToStdout: true } : {}),
    ...(input.outputBase64 ? { outputBase64: true } : {}),
    ...(input.commands ? { commands: input.commands } : {}),
    ...(input.addressSpaceBytes !== undefined ? { addressSpaceBytes: input.addressSpaceBytes } : {}),
    limits,
    ...(input.interleaved ? { interleaved: true } : {}),
    ...(input.judge ? { judge: input.judge } : {})
  }
  const { execution, log } = source
  let runner
  try {
    runner = await pool.acquire(source.input ? 'interactive' : 'batch', { patient: source.patient === true })
  } catch (err) {
    const reason = rejectionReason(err)
    if (reason) metrics.rejected.inc({ reason })
    source.input?.close()
    throw err
  }
  const queueMs = sinceMs(started)
  metrics.waitSeconds.observe(queueMs / 1000)
  execution.queueMs = queueMs
  execution.runner = runner.id
  if (source.gone() || source.stop?.requested === true) {
    // The asker left, or stopped the job, while it waited: the runner did nothing and goes straight back.
    source.input?.close()
    pool.giveBack(runner)
    return null
  }
  source.onRunning?.()
  const failed = (message: string): ExecutionAnswer => {
    execution.status = 'internal_error'
    metrics.executions.inc({ language: language.name, status: 'internal_error' })
    return {
      language: language.name,
      version: runner.versions[language.name] ?? 'unknown',
      status: 'internal_error',
      compile: null,
      run: null,
      message,
      timing: { queueMs, runnerMs: 0, totalMs: sinceMs(started) }
    }
  }

  const handedOver = performance.now()
  let result: JobResult
  try {
    await pool.fit(runner, containerMemoryBytes(config, limits))
    const deadlineMs = runnerDeadlineMs(limits, language.compile !== undefined, input.judge)
    const maxBytes = maxResultBytes(limits, input.interleaved === true, input.judge)
    source.stop?.whenRequested(() => { void runner.stop() })
    result = source.input && source.live
      ? await runner.interactive(job, deadlineMs, maxBytes, source.live, source.input)
      : await runner.execute(job, input.stdin, deadlineMs, maxBytes, source.live)
  } catch (err) {
    source.input?.close()
    if (err instanceof EngineError) {
      // The engine's fault, not the runner's: the runner did nothing and goes back as it was.
      pool.giveBack(runner)
      metrics.engineErrors.inc({ operation: err.operation })
      log.warn({ err, runner: runner.id }, 'the engine failed an operation a job needed')
      return failed(`the engine failed to prepare the runner: ${err.message}`)
    }
    // The runner died or hung mid-job, most likely by the program's doing: a result, not an HTTP error.
    const failure = err instanceof RunnerError ? err : new RunnerError((err as Error).message, 'UNKNOWN', false, { cause: err })
    metrics.upstreamErrors.inc({ code: failure.code })
    pool.release(runner, failure.timedOut ? 'timed_out' : 'crashed')
    log.warn({ err, runner: runner.id }, 'runner failed during a job; replacing it')
    return failed(`the runner failed while running the job: ${failure.message}`)
  } finally {
    source.stop?.whenRequested(undefined)
  }
  pool.release(runner, result.clean ? 'clean' : 'unclean')
  if (!result.clean) log.warn({ runner: runner.id, problems: result.problems }, 'runner reported itself unclean; replacing it')
  const stopped = result.stopped === true
  const status = stopped ? 'cancelled' : result.status
  execution.status = status
  metrics.executions.inc({ language: language.name, status })
  metrics.executionSeconds.observe({ language: language.name }, (performance.now() - handedOver) / 1000)
  return {
    language: result.language,
    version: result.version,
    status,
    compile: result.compile,
    run: result.run,
    ...(result.tests !== undefined ? { tests: result.tests, compiles: result.compiles ?? 0 } : {}),
    ...(result.message !== undefined ? { message: result.message } : stopped ? { message: CANCELLED } : {}),
    timing: { queueMs, runnerMs: result.runnerMs, totalMs: sinceMs(started) }
  }
}
