import type { Config } from '../../config'
import { InvalidFieldError } from '../../errors'
import type { ExecutionInput } from '../../execution'
import { jobInput } from '../../job-input'
import { judgeInput } from '../../judge-input'
import type { SubmissionBody } from './schemas'

/** A submission's body (POST or the WebSocket's, without its userId) as its job: with `tests`, a judge job. */
export function submissionInput (body: Omit<SubmissionBody, 'userId'>, config: Config, versions: Record<string, string>): ExecutionInput {
  const { tests, checker, stopOnFirstFailure, ...program } = body
  if (tests !== undefined) {
    if (program.stdin !== undefined) throw new InvalidFieldError('stdin', 'cannot come with tests: each test has its own')
    return judgeInput({ ...program, tests, checker, stopOnFirstFailure }, config, versions)
  }
  if (checker !== undefined) throw new InvalidFieldError('checker', 'comes only with tests')
  if (stopOnFirstFailure !== undefined) throw new InvalidFieldError('stopOnFirstFailure', 'comes only with tests')
  return jobInput(program, config, versions)
}
