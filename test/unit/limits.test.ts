import { parseConfig } from '../../proxy/src/config'
import { containerMemoryBytes, effectiveLimits, maxResultBytes, runnerDeadlineMs } from '../../proxy/src/limits'
import { findLanguage } from '../../runner/src/contract/languages'

const MiB = 1024 * 1024
const config = parseConfig({
  limits: { default: { compile: { timeoutMs: 8000 }, run: { timeoutMs: 2000, memoryBytes: 128 * MiB } } }
})

describe('effective limits', () => {
  test('the pool default applies to each field neither the request nor the language sets', () => {
    const limits = effectiveLimits(config, findLanguage('python')!)
    expect(limits.compile.timeoutMs).toBe(8000)
    expect(limits.run).toEqual({
      timeoutMs: 2000, cpuTimeMs: 3000, memoryBytes: 128 * MiB, outputBytes: MiB, processes: 64, fileSizeBytes: 16 * MiB, openFiles: 256
    })
  })

  test("the language's default beats the pool's", () => {
    expect(effectiveLimits(config, findLanguage('cpp')!).compile.timeoutMs).toBe(15000)
  })

  test("the request's value beats both, field by field", () => {
    const limits = effectiveLimits(config, findLanguage('cpp')!, { compile: { timeoutMs: 500 }, run: { memoryBytes: 64 * MiB, processes: 3 } })
    expect(limits.compile.timeoutMs).toBe(500)
    expect(limits.compile.cpuTimeMs).toBe(10000)
    expect(limits.run).toMatchObject({ timeoutMs: 2000, memoryBytes: 64 * MiB, processes: 3 })
  })

  test('nothing goes over the configured maximum', () => {
    const limits = effectiveLimits(config, findLanguage('c')!, { run: { timeoutMs: 10 ** 9, outputBytes: 10 ** 12 } })
    expect(limits.run.timeoutMs).toBe(15000)
    expect(limits.run.outputBytes).toBe(16 * MiB)
  })

  test('the proxy waits for every stage plus room to clean up', () => {
    const limits = effectiveLimits(config, findLanguage('c')!, { compile: { timeoutMs: 1000 }, run: { timeoutMs: 2000 } })
    expect(runnerDeadlineMs(limits, true)).toBe(13000)
    expect(runnerDeadlineMs(limits, false)).toBe(12000)
  })

  test("the container's memory is the larger stage plus the tmpfs mounts plus the agent's reserve", () => {
    const defaults = effectiveLimits(config, findLanguage('python')!)
    const extra = 64 * MiB + 2 * 32 * MiB + 96 * MiB
    expect(containerMemoryBytes(config, defaults)).toBe(512 * MiB + extra)
    const bigRun = effectiveLimits(config, findLanguage('python')!, { run: { memoryBytes: 900 * MiB } })
    expect(containerMemoryBytes(config, bigRun)).toBe(900 * MiB + extra)
    // A smaller run limit needs no change of the container: the peak decides the verdict.
    const smallRun = effectiveLimits(config, findLanguage('python')!, { run: { memoryBytes: 32 * MiB } })
    expect(containerMemoryBytes(config, smallRun)).toBe(containerMemoryBytes(config, defaults))
  })
})

// Issue 14, defect 9: the proxy reads a runner's answer no further than its job's limits allow.
describe('the most a runner may answer', () => {
  const limits = (outputBytes: number) => ({ compile: { outputBytes }, run: { outputBytes } }) as unknown as Parameters<typeof maxResultBytes>[0]
  test('both streams of both stages at their limit, escaped at worst, the interleaved output doubling it', () => {
    expect(maxResultBytes(limits(1024), false)).toBe(2 * 1024 * 2 * 6 + 64 * 1024)
    expect(maxResultBytes(limits(1024), true)).toBe(2 * 1024 * 4 * 6 + 64 * 1024)
  })
})
