import type { Comparison } from '../../runner/src/contract/checkers'
import type { StageLimits } from '../../runner/src/contract/limits'
import type { Config } from './config'
import { InvalidFieldError, MissingFieldError } from './errors'
import type { ExecutionInput } from './execution'
import { jobInput, type JobRequest } from './job-input'

/** A judge request in our terms (POST /api/v1/judge, or a submission with tests). */
export interface JudgeRequest extends Omit<JobRequest, 'stdin'> {
  tests: Array<{ name?: string, stdin?: string, expectedOutput?: string, limits?: Partial<StageLimits> }>
  checker?: Comparison
  stopOnFirstFailure?: boolean
}

/** The checker when a request names none: Judge0's comparison of lines. */
export const DEFAULT_CHECKER: Comparison = { type: 'lines' }

/**
 * A judge request as the job to run: the program checked as any job's, and its tests as the agent runs
 * them (named by their place when unnamed). Every problem is a 400 naming the field.
 */
export function judgeInput (request: JudgeRequest, config: Config, versions: Record<string, string>): ExecutionInput {
  const { tests, checker = DEFAULT_CHECKER, stopOnFirstFailure = false, ...program } = request
  if (tests.length === 0) throw new InvalidFieldError('tests', 'must have at least one test')
  if (tests.length > config.judge.maxTests) throw new InvalidFieldError('tests', `must have at most ${config.judge.maxTests} tests (judge.maxTests)`)
  for (const bound of ['absolute', 'relative'] as const) {
    if (checker.type !== 'float' && (checker as { [key: string]: unknown })[bound] !== undefined) {
      throw new InvalidFieldError(`checker.${bound}`, 'applies only to the float checker')
    }
  }
  let total = 0
  tests.forEach((test, index) => {
    // Every checker compares with the expected output.
    if (test.expectedOutput === undefined) throw new MissingFieldError(`tests[${index}].expectedOutput`)
    total += Buffer.byteLength(test.stdin ?? '') + Buffer.byteLength(test.expectedOutput)
  })
  if (total > config.judge.maxTotalInputBytes) {
    const limit = config.judge.maxTotalInputBytes
    throw new InvalidFieldError('tests', `hold ${total} bytes of stdin and expectedOutput, over the limit of ${limit} (judge.maxTotalInputBytes)`)
  }
  const input = jobInput(program, config, versions)
  return {
    ...input,
    judge: {
      tests: tests.map((test, index) => ({
        name: test.name ?? String(index + 1),
        stdin: test.stdin ?? '',
        expectedOutput: test.expectedOutput!,
        ...(test.limits ? { limits: test.limits } : {})
      })),
      checker,
      stopOnFirstFailure,
      outputBytesPerTest: config.judge.outputBytesPerTest
    }
  }
}
