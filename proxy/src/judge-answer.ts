import type { StageReport, TestReport, Verdict } from '../../runner/src/contract/job'
import type { ExecutionAnswer } from './execution'

/** What POST /api/v1/judge answers (and a judge submission's result). */
export interface JudgeAnswer {
  language: string
  version: string
  /**
   * The first test's verdict that is not accepted, in order; compile_error or internal_error before any
   * test; cancelled when its maker stopped it (its tests then end at the one it stopped, skipped).
   */
  verdict: Verdict | 'cancelled'
  compile: StageReport | null
  tests: TestReport[]
  /** `compiles`: how many times the runner compiled the program (once, for a compiled language). */
  summary: { passed: number, total: number, maxCpuMs: number, maxWallMs: number, maxMemoryBytes: number, compiles: number }
  message?: string
  timing: ExecutionAnswer['timing']
}

/** A judge job's answer, from what the runner reported of it; `total` is how many tests were asked for. */
export function judgeAnswer (answer: ExecutionAnswer, total: number): JudgeAnswer {
  const tests = answer.tests ?? []
  let verdict: JudgeAnswer['verdict']
  if (answer.status === 'cancelled') verdict = 'cancelled'
  else if (answer.status === 'compile_error') verdict = 'compile_error'
  else if (answer.tests === undefined || (answer.status === 'internal_error' && tests.length === 0)) verdict = 'internal_error'
  else verdict = tests.find((test) => test.verdict !== 'accepted')?.verdict ?? 'accepted'
  const most = (measure: (test: TestReport) => number) => tests.reduce((max, test) => Math.max(max, measure(test)), 0)
  let compile: StageReport | null = null
  if (answer.compile) {
    const { output: _output, ...rest } = answer.compile
    compile = rest
  }
  return {
    language: answer.language,
    version: answer.version,
    verdict,
    compile,
    tests,
    summary: {
      passed: tests.filter((test) => test.verdict === 'accepted').length,
      total,
      maxCpuMs: most((test) => test.cpuMs),
      maxWallMs: most((test) => test.wallMs),
      maxMemoryBytes: most((test) => test.memoryBytes),
      compiles: answer.compiles ?? 0
    },
    ...(answer.message !== undefined ? { message: answer.message } : {}),
    timing: answer.timing
  }
}
