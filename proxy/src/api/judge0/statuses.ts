import { constants } from 'node:os'
import type { StageReport } from '../../../../runner/src/contract/job'
import { compareOutput } from '../../../../runner/src/contract/checkers'
import type { ExecutionAnswer } from '../../execution'
import { outputBytes } from '../../stage-output'

/** Judge0's statuses (app/enumerations/status.rb), by id. */
export const STATUSES = [
  'In Queue', 'Processing', 'Accepted', 'Wrong Answer', 'Time Limit Exceeded', 'Compilation Error', 'Runtime Error (SIGSEGV)',
  'Runtime Error (SIGXFSZ)', 'Runtime Error (SIGFPE)', 'Runtime Error (SIGABRT)', 'Runtime Error (NZEC)', 'Runtime Error (Other)',
  'Internal Error', 'Exec Format Error'
].map((description, index) => ({ id: index + 1, description }))

export const status = (id: number) => STATUSES[id - 1]

/** By signal number, as Judge0's find_runtime_error_by_status_code (6 is SIGABRT, alias SIGIOT). */
const BY_SIGNAL: Record<number, number> = { 11: 7, 25: 8, 8: 9, 6: 10 }

/** A signal's number, as Judge0's exit_signal gives it. */
export function signalNumber (name: string | null): number | null {
  return name === null ? null : (constants.signals as Record<string, number>)[name] ?? null
}

/**
 * Our result as Judge0's status and message. Signals are told as they are (Judge0 runs programs under a
 * shell, so its SIGSEGV shows as NZEC: judge0#443). Judge0 has no memory status (judge0#298): a program
 * over its memory is killed, and Judge0 shows the kill as Runtime Error (Other), so we do, the truth in
 * `message`. Output over its limit is how Judge0's file size limit shows it: SIGXFSZ. `accepted`, when
 * given, is the comparison the agent made already (several runs: their output shown may be cut).
 */
export function statusOf (answer: ExecutionAnswer, expectedOutput: string | null, accepted?: boolean): { id: number, message: string | null } {
  // Judge0 has no status for a submission stopped by its maker (ours, POST /api/v1/submissions/:id/cancel).
  if (answer.status === 'cancelled') return { id: 13, message: answer.message ?? 'cancelled' }
  // Judge0's compile fails however it fails (an error, its time, its memory): Compilation Error.
  if (answer.status === 'compile_error' || (answer.status !== 'internal_error' && answer.run === null && answer.compile?.status !== 'ok' &&
      answer.compile !== null)) {
    return { id: 6, message: null }
  }
  if (answer.status === 'internal_error' || answer.run === null) return { id: 13, message: answer.message ?? 'internal error' }
  const run: StageReport = answer.run
  switch (run.status) {
    case 'timeout': return { id: 5, message: 'Time limit exceeded' }
    case 'memory_limit': return { id: 12, message: 'Memory limit exceeded' }
    case 'output_limit': return { id: 8, message: `Output limit exceeded (${run.truncated ?? 'output'})` }
    case 'runtime_error':
      if (run.signal !== null) {
        const number = signalNumber(run.signal)
        return { id: (number !== null ? BY_SIGNAL[number] : undefined) ?? 12, message: `Caught fatal signal ${number ?? run.signal}` }
      }
      return { id: 11, message: `Exited with error status ${run.exitCode}` }
  }
  const stdout = () => outputBytes(run, 'stdout').toString('utf8')
  if (expectedOutput !== null && !(accepted ?? compareOutput({ type: 'lines' }, stdout(), expectedOutput).accepted)) return { id: 4, message: null }
  return { id: 3, message: null }
}
