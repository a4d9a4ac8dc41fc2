import { parseConfig } from '../../proxy/src/config'
import type { ExecutionAnswer } from '../../proxy/src/execution'
import { judgeAnswer } from '../../proxy/src/judge-answer'
import { judgeInput } from '../../proxy/src/judge-input'
import { maxResultBytes, runnerDeadlineMs } from '../../proxy/src/limits'
import type { TestReport } from '../../runner/src/contract/job'

// Issue 15: a judge request as its job, and the runner's report as the judge's answer.
const config = parseConfig({ judge: { maxTests: 3, maxTotalInputBytes: 2048, outputBytesPerTest: 100 } })
const report = (verdict: TestReport['verdict'], cpuMs = 1): TestReport => ({
  name: verdict, verdict, exitCode: 0, signal: null, cpuMs, wallMs: cpuMs * 2, memoryBytes: cpuMs * 1000, stdout: '', stderr: '', outputCut: false, checker: null
})
const answer = (extra: Partial<ExecutionAnswer>): ExecutionAnswer => ({
  language: 'cpp', version: '12', status: 'ok', compile: null, run: null, timing: { queueMs: 1, runnerMs: 2, totalMs: 3 }, ...extra
})

describe('the judge answer', () => {
  test('the overall verdict is the first test not accepted, in order; the summary adds them up', () => {
    const judged = judgeAnswer(answer({ tests: [report('accepted', 5), report('time_limit', 9), report('wrong_answer', 2)], compiles: 1 }), 3)
    expect(judged.verdict).toBe('time_limit')
    expect(judged.summary).toEqual({ passed: 1, total: 3, maxCpuMs: 9, maxWallMs: 18, maxMemoryBytes: 9000, compiles: 1 })
    expect(judgeAnswer(answer({ tests: [report('accepted'), report('accepted')] }), 2).verdict).toBe('accepted')
  })

  test('compile_error before any test; internal_error when the runner failed and no test was reported', () => {
    expect(judgeAnswer(answer({ status: 'compile_error', tests: [] }), 4)).toMatchObject({ verdict: 'compile_error', summary: { passed: 0, total: 4 } })
    expect(judgeAnswer(answer({ status: 'internal_error', message: 'the runner failed' }), 4)).toMatchObject({ verdict: 'internal_error', tests: [], message: 'the runner failed' })
  })
})

describe('the judge input', () => {
  const versions = {}
  test('tests are named by their place when unnamed, the checker is lines by default, outputs are cut as configured', () => {
    const input = judgeInput({ language: 'python', code: 'print(1)', tests: [{ expectedOutput: '1' }, { name: 'big', stdin: 'x', expectedOutput: '2', limits: { timeoutMs: 5000 } }] }, config, versions)
    expect(input.judge).toEqual({
      tests: [{ name: '1', stdin: '', expectedOutput: '1' }, { name: 'big', stdin: 'x', expectedOutput: '2', limits: { timeoutMs: 5000 } }],
      checker: { type: 'lines' }, stopOnFirstFailure: false, outputBytesPerTest: 100
    })
    // Its deadline has every test's timeout in it, and room for its reports.
    expect(runnerDeadlineMs(input.limits, false, input.judge)).toBe(input.limits.run.timeoutMs + 5000 + 2 * 1000 + 10000)
    expect(maxResultBytes(input.limits, false, input.judge)).toBe(maxResultBytes(input.limits, false) + 2 * (100 * 2 * 6 + 4096))
  })

  test('each problem names its field', () => {
    const program = { language: 'python', code: 'print(1)' }
    expect(() => judgeInput({ ...program, tests: [] }, config, versions)).toThrow('tests must have at least one test')
    expect(() => judgeInput({ ...program, tests: [{}, {}, {}, {}] as any }, config, versions)).toThrow('tests must have at most 3 tests (judge.maxTests)')
    expect(() => judgeInput({ ...program, tests: [{ expectedOutput: '' }, { stdin: '1' }] }, config, versions)).toThrow('tests[1].expectedOutput is required')
    expect(() => judgeInput({ ...program, tests: [{ expectedOutput: 'x'.repeat(3000) }] }, config, versions))
      .toThrow('tests hold 3000 bytes of stdin and expectedOutput, over the limit of 2048 (judge.maxTotalInputBytes)')
    expect(() => judgeInput({ ...program, tests: [{ expectedOutput: '' }], checker: { type: 'tokens', relative: 1 } as any }, config, versions))
      .toThrow('checker.relative applies only to the float checker')
  })
})
