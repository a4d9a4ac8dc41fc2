import type { Checker } from '../../runner/src/contract/checkers'
import { findLanguage, languageNames } from '../../runner/src/contract/languages'
import type { StageLimits } from '../../runner/src/contract/limits'
import type { Config } from './config'
import { InvalidFieldError, MissingFieldError } from './errors'
import type { ExecutionInput } from './execution'
import { jobInput, type JobRequest } from './job-input'
import { effectiveLimits } from './limits'

/** A judge request in our terms (POST /api/v1/judge, or a submission with tests). */
export interface JudgeRequest extends Omit<JobRequest, 'stdin'> {
  tests: Array<{ name?: string, stdin?: string, expectedOutput?: string, limits?: Partial<StageLimits> }>
  /** As a request sends it: a comparison's type and bounds, or a program's type, language and code. */
  checker?: { type: Checker['type'], absolute?: number, relative?: number, language?: string, code?: string }
  stopOnFirstFailure?: boolean
}

/** The checker when a request names none: Judge0's comparison of lines. */
export const DEFAULT_CHECKER: Checker = { type: 'lines' }

/** A request's checker as the agent takes it, checked: a program's language known, its limits resolved. */
function checkerOf (requested: NonNullable<JudgeRequest['checker']>, config: Config): Checker {
  const { type, absolute, relative, language, code } = requested
  if (type !== 'float') {
    if (absolute !== undefined) throw new InvalidFieldError('checker.absolute', 'applies only to the float checker')
    if (relative !== undefined) throw new InvalidFieldError('checker.relative', 'applies only to the float checker')
  }
  if (type !== 'program') {
    if (language !== undefined) throw new InvalidFieldError('checker.language', 'applies only to a checker program')
    if (code !== undefined) throw new InvalidFieldError('checker.code', 'applies only to a checker program')
    return type === 'float' ? { type, ...(absolute !== undefined ? { absolute } : {}), ...(relative !== undefined ? { relative } : {}) } : { type }
  }
  if (language === undefined) throw new MissingFieldError('checker.language')
  if (code === undefined) throw new MissingFieldError('checker.code')
  const found = findLanguage(language)
  if (!found) {
    const supported = languageNames().join(', ')
    throw new InvalidFieldError('checker.language', `${JSON.stringify(language)} is not supported; supported languages: ${supported}`)
  }
  return { type, language: found.name, code, limits: effectiveLimits(config, found) }
}

/**
 * A judge request as the job to run: the program checked as any job's, and its tests as the agent runs
 * them (named by their place when unnamed). Every problem is a 400 naming the field.
 */
export function judgeInput (request: JudgeRequest, config: Config, versions: Record<string, string>): ExecutionInput {
  const { tests, checker: requested = DEFAULT_CHECKER, stopOnFirstFailure = false, ...program } = request
  const checker = checkerOf(requested, config)
  if (tests.length === 0) throw new InvalidFieldError('tests', 'must have at least one test')
  if (tests.length > config.judge.maxTests) throw new InvalidFieldError('tests', `must have at most ${config.judge.maxTests} tests (judge.maxTests)`)
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
