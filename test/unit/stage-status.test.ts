import { stageStatus } from '../../runner/src/job'
import type { StageResult } from '../../runner/src/sandbox'

const clean: StageResult = {
  chunks: [], exitCode: 0, signal: null, wallMs: 1, cpuMs: 1, memoryBytes: 1,
  timedOut: false, cpuExceeded: false, memoryExceeded: false, truncated: null, failed: null
}

describe('stage verdicts', () => {
  test.each([
    ['a clean exit', {}, 'ok'],
    ['a non-zero exit', { exitCode: 1 }, 'runtime_error'],
    ['a signal', { exitCode: null, signal: 'SIGSEGV' }, 'runtime_error'],
    ['the wall clock', { timedOut: true, signal: 'SIGKILL', exitCode: null }, 'timeout'],
    ['the CPU clock', { cpuExceeded: true, signal: 'SIGKILL', exitCode: null }, 'timeout'],
    ['memory, over a SIGKILL and a timeout', { memoryExceeded: true, timedOut: true, signal: 'SIGKILL', exitCode: null }, 'memory_limit'],
    ['the output cap', { truncated: 'stdout', signal: 'SIGKILL', exitCode: null }, 'output_limit'],
    ['a launcher that could not start the program, over everything', { failed: 'cannot start gcc', memoryExceeded: true }, 'internal_error']
  ] as const)('%s', (_name, change, status) => {
    expect(stageStatus({ ...clean, ...change } as StageResult, 'runtime_error')).toBe(status)
  })

  test('a failed compile is a compile_error', () => {
    expect(stageStatus({ ...clean, exitCode: 1 }, 'compile_error')).toBe('compile_error')
  })
})
