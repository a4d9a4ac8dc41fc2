import { parseConfig } from '../../proxy/src/config'
import { effectiveLimits, runnerDeadlineMs } from '../../proxy/src/limits'
import { findLanguage } from '../../runner/src/languages'

const config = parseConfig({ limits: { default: { compile: { timeoutMs: 8000 }, run: { timeoutMs: 2000 } } } })

describe('effective limits', () => {
  test('the pool default applies when neither the request nor the language sets one', () => {
    expect(effectiveLimits(config, findLanguage('python')!)).toEqual({ compile: { timeoutMs: 8000 }, run: { timeoutMs: 2000 } })
  })

  test("the language's default beats the pool's", () => {
    expect(effectiveLimits(config, findLanguage('cpp')!).compile.timeoutMs).toBe(15000)
  })

  test("the request's value beats both", () => {
    const limits = effectiveLimits(config, findLanguage('cpp')!, { compile: { timeoutMs: 500 }, run: { timeoutMs: 700 } })
    expect(limits).toEqual({ compile: { timeoutMs: 500 }, run: { timeoutMs: 700 } })
  })

  test('nothing goes over the configured maximum', () => {
    expect(effectiveLimits(config, findLanguage('c')!, { run: { timeoutMs: 10 ** 9 } }).run.timeoutMs).toBe(15000)
  })

  test('the proxy waits for every stage plus room to clean up', () => {
    const limits = { compile: { timeoutMs: 1000 }, run: { timeoutMs: 2000 } }
    expect(runnerDeadlineMs(limits, true)).toBe(13000)
    expect(runnerDeadlineMs(limits, false)).toBe(12000)
  })
})
