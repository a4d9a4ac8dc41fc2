import { parseConfig } from '../../proxy/src/config'
import { ConfigError } from '../../proxy/src/errors'

describe('pool config', () => {
  test('an empty object takes every default', () => {
    const config = parseConfig({})
    expect(config.poolName).toBe('codeexec')
    expect(config.pool).toEqual({
      min: 45, max: 45, acquireTimeoutMs: 60000, maxWaitingRequests: 1000, maxUsesPerRunner: 1000, startTimeoutMs: 60000
    })
    expect(config.limits.default.run.timeoutMs).toBe(3000)
    expect(config.limits.max.compile.timeoutMs).toBe(30000)
  })

  test('the committed pool.config.json is valid', () => {
    const config = parseConfig(require('../../pool.config.json'))
    expect(config.pool.min).toBe(45)
    expect(config.pool.max).toBe(45)
  })

  test('every problem is listed at once, each naming its field', () => {
    let error: ConfigError | undefined
    try {
      parseConfig({ pool: { min: -1, maxx: 3 }, runner: { agentReserveBytes: 'lots', runtime: 'kata' }, poolNam: 'x' })
    } catch (err) {
      error = err as ConfigError
    }
    expect(error).toBeInstanceOf(ConfigError)
    const problems = error!.problems.join('\n')
    expect(problems).toMatch(/pool\.min/)
    expect(problems).toMatch(/pool\.maxx/)
    expect(problems).toMatch(/runner\.agentReserveBytes/)
    expect(problems).toMatch(/runner\.runtime/)
    expect(problems).toMatch(/poolNam/)
    expect(error!.problems.length).toBeGreaterThanOrEqual(5)
  })

  test('min over max and a default over its maximum are refused', () => {
    expect(() => parseConfig({ pool: { min: 10, max: 5 } })).toThrow(/pool\.min \(10\) must not be over pool\.max \(5\)/)
    expect(() => parseConfig({ limits: { default: { run: { timeoutMs: 20000 } } } }))
      .toThrow(/limits\.default\.run\.timeoutMs \(20000\) must not be over limits\.max\.run\.timeoutMs \(15000\)/)
  })

  test('a pids limit with no room for the agent above the processes limit is refused', () => {
    expect(() => parseConfig({ runner: { pids: 100 } })).toThrow(/runner\.pids \(100\) must be at least limits\.max\.compile\.processes \+ 32 \(288\)/)
  })

  test('an agent reserve too small for the most a job may print is refused (issue 12)', () => {
    expect(() => parseConfig({ runner: { agentReserveBytes: 64 * 1024 * 1024 } }))
      .toThrow(/runner\.agentReserveBytes \(67108864\) must be at least 96468992/)
    // Smaller output caps make room for a smaller reserve.
    const max = { compile: { outputBytes: 1048576 }, run: { outputBytes: 1048576 } }
    expect(parseConfig({ runner: { agentReserveBytes: 64 * 1024 * 1024 }, limits: { max } }).runner.agentReserveBytes).toBe(64 * 1024 * 1024)
  })

  test('a pool name that cannot be a container name is refused', () => {
    expect(() => parseConfig({ poolName: 'Bad Name!' })).toThrow(/poolName/)
  })
})
