import type { StageReport, TestReport } from '../../../../runner/src/contract/job'
import type { Config } from '../../config'
import type { ExecutionAnswer, ExecutionInput } from '../../execution'
import type { JudgeAnswer } from '../../judge-answer'
import type { SubmissionResult } from '../../submissions/queue'

// Judge0's number_of_runs (isolate_job.rb's perform): the program run that many times, stopping at the
// first run that is not Accepted, its time and memory averaged over the runs made, the rest the last
// run's. Judge0 compiles again for every run; here it is a judge job, compiled once, its tests the runs.

/** Why so many runs of this input cannot be made (null when they can): all runs' input is bounded as a judge job's. */
export function runsProblem (runs: number, stdin: string | null, expectedOutput: string | null, config: Config): string | null {
  const perRun = Buffer.byteLength(stdin ?? '') + Buffer.byteLength(expectedOutput ?? '')
  if (runs <= 1 || runs * perRun <= config.judge.maxTotalInputBytes) return null
  return `must be at most ${Math.floor(config.judge.maxTotalInputBytes / perRun)} with this stdin and expected_output (judge.maxTotalInputBytes)`
}

/**
 * The job for `runs` runs: one is the job as it is; more, a judge job with a test per run, each compared
 * with expected_output as Judge0 compares (or not at all without one). The runs' output is kept up to
 * the run's limit in all, so that twenty runs cost the runner no more memory than one.
 */
export function repeatedRuns (input: ExecutionInput, runs: number, expectedOutput: string | null): ExecutionInput {
  if (runs <= 1) return input
  return {
    ...input,
    judge: {
      tests: Array.from({ length: runs }, (_, index) => ({
        name: String(index + 1), stdin: input.stdin, ...(expectedOutput !== null ? { expectedOutput } : {})
      })),
      checker: { type: 'lines' },
      stopOnFirstFailure: true,
      outputBytesPerTest: Math.max(1, Math.floor(input.limits.run.outputBytes / runs))
    }
  }
}

const STATUS_OF: Record<TestReport['verdict'], StageReport['status'] | undefined> = {
  accepted: 'ok',
  wrong_answer: 'ok',
  presentation_error: 'ok',
  time_limit: 'timeout',
  memory_limit: 'memory_limit',
  runtime_error: 'runtime_error',
  output_limit: 'output_limit',
  compile_error: undefined,
  internal_error: undefined,
  skipped: undefined
}

/** What Judge0 shows of a result: one run's answer, and for several runs whether the last was accepted. */
export interface Judge0Outcome {
  answer: ExecutionAnswer
  /** Set for several runs: the agent compared each run's whole output (what the answer shows may be cut). */
  accepted?: boolean
}

/** A submission's result as one run: a judge job's runs folded into the last run made, time and memory averaged. */
export function judge0Outcome (result: SubmissionResult): Judge0Outcome {
  if (!('verdict' in result)) return { answer: result }
  const judged: JudgeAnswer = result
  const base = { language: judged.language, version: judged.version, compile: judged.compile, run: null, timing: judged.timing }
  if (judged.verdict === 'compile_error') return { answer: { ...base, status: 'compile_error' } }
  if (judged.verdict === 'cancelled') {
    return { answer: { ...base, status: 'cancelled', ...(judged.message !== undefined ? { message: judged.message } : {}) } }
  }
  const ran = judged.tests.filter((test) => test.verdict !== 'skipped')
  const last = ran.at(-1)
  const status = last && STATUS_OF[last.verdict]
  if (!last || status === undefined) {
    return { answer: { ...base, status: 'internal_error', message: judged.message ?? last?.checker ?? 'the runs did not finish' } }
  }
  const average = (measure: (test: TestReport) => number) => ran.reduce((sum, test) => sum + measure(test), 0) / ran.length
  const run: StageReport = {
    stdout: last.stdout,
    stderr: last.stderr,
    exitCode: last.exitCode,
    signal: last.signal,
    wallMs: last.wallMs,
    cpuMs: average((test) => test.cpuMs),
    memoryBytes: average((test) => test.memoryBytes),
    truncated: status === 'output_limit' ? 'stdout' : null,
    status,
    ...(last.encoding ? { encoding: last.encoding } : {})
  }
  return { answer: { ...base, status: status === 'ok' ? 'ok' : status, run }, accepted: last.verdict === 'accepted' }
}
