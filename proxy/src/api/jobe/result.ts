import { isUtf8 } from 'node:buffer'
import type { StageReport } from '../../../../runner/src/contract/job'
import type { ExecutionAnswer } from '../../execution'
import { outputBytes } from '../../stage-output'
import type { JobeLanguage } from './languages'

// Jobe's answer to a run (ResultObject.php, LanguageTask's diagnoseResult and resultObject) from ours.

/** Jobe's outcomes, ideone's numbers. */
export const OUTCOME = {
  compilationError: 11,
  runtimeError: 12,
  timeLimit: 13,
  success: 15,
  memoryLimit: 17,
  illegalSyscall: 19,
  internalError: 20,
  serverOverload: 21
} as const

export interface JobeResult {
  run_id: string | null
  outcome: number
  cmpinfo: string
  stdout: string
  stderr: string
}

/**
 * ResultObject's clean: text that is UTF-8 as it is; else every byte that is not printable ASCII (but
 * newline, return and tab) as \xNN, so that the answer is always valid JSON.
 */
export function clean (bytes: Buffer): string {
  if (isUtf8(bytes)) return bytes.toString('utf8')
  let escaped = ''
  for (const byte of bytes) {
    const printable = byte === 0x0a || byte === 0x0d || byte === 0x09 || (byte >= 0x20 && byte <= 0x7e)
    escaped += printable ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`
  }
  return escaped
}

/** Jobe's answer when no runner could be had in time (its OverloadException): outcome 21, run_id 0. */
export const overloaded = (): JobeResult => ({ run_id: '0', outcome: OUTCOME.serverOverload, cmpinfo: '', stdout: '', stderr: '' })

/**
 * The compile's information, as each Task's compile() sets cmpinfo: what it wrote to stderr (Python's
 * and PHP's with their stdout before it). Jobe calls any cmpinfo a compile error.
 */
function cmpinfoOf (compile: StageReport, language: JobeLanguage): string {
  const stderr = clean(outputBytes(compile, 'stderr'))
  const stdout = clean(outputBytes(compile, 'stdout'))
  if (stderr !== '' && stdout !== '' && language.id === 'php') return `${stdout}\n${stderr}`
  // Python3Task joins them with a backslash and an n, in single quotes.
  if (stderr !== '' && stdout !== '' && language.id === 'python3') return `${stdout}\\n${stderr}`
  if (stderr === '' && compile.status !== 'ok') return `Compilation failed: ${compile.status === 'timeout' ? 'time limit exceeded' : compile.status}`
  return stderr
}

/**
 * A run's answer as Jobe gives it. As Jobe diagnoses: a compile that wrote to stderr is a compile error;
 * a run past its time, or flooding its output (which Jobe lets run to its time limit), is 13; one killed
 * for memory 17 (Jobe's runguard cannot tell it: a truer answer); otherwise stderr decides, not the exit
 * status: anything there (or a signal) is a runtime error, nothing a success. `warning` is cmpinfo Jobe
 * sets before compiling (Java without a main class).
 */
export function jobeResult (answer: ExecutionAnswer, language: JobeLanguage, warning = ''): JobeResult {
  const result = (outcome: number, fields: Partial<JobeResult> = {}): JobeResult =>
    ({ run_id: null, outcome, cmpinfo: '', stdout: '', stderr: '', ...fields })
  const cmpinfo = warning + (answer.compile ? cmpinfoOf(answer.compile, language) : '')
  if (cmpinfo !== '') return result(OUTCOME.compilationError, { cmpinfo })
  const run = answer.run
  if (answer.status === 'internal_error' || run === null) return result(OUTCOME.internalError, { stderr: answer.message ?? 'internal error' })
  const stdout = clean(outputBytes(run, 'stdout'))
  const stderr = (language.filterStderr ?? ((text: string) => text))(clean(outputBytes(run, 'stderr')))
  switch (run.status) {
    case 'timeout':
    case 'output_limit':
      return result(OUTCOME.timeLimit, { stdout })
    case 'memory_limit':
      return result(OUTCOME.memoryLimit, { stdout, stderr })
  }
  const failed = run.signal !== null || stderr !== ''
  return result(failed ? OUTCOME.runtimeError : OUTCOME.success, { stdout, stderr })
}
