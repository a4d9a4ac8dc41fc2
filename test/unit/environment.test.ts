import { parseEnvironment } from '../../proxy/src/environment'

// Issue 14, defect 10: PORT=abc became NaN; the environment is checked as the config file is.
describe('the proxy environment', () => {
  test('defaults for what is unset or empty', () => {
    expect(parseEnvironment({ PORT: '' })).toEqual({ configPath: 'pool.config.json', port: 3000, host: '127.0.0.1', logLevel: 'info', shutdownGraceMs: 60000 })
  })

  test('values taken as given', () => {
    expect(parseEnvironment({ PORT: '0', HOST: '::1', LOG_LEVEL: 'warn', SHUTDOWN_GRACE_MS: '500', POOL_CONFIG: '/etc/pool.json' }))
      .toEqual({ configPath: '/etc/pool.json', port: 0, host: '::1', logLevel: 'warn', shutdownGraceMs: 500 })
  })

  test('REDIS_URL and POOL_NAME, for a proxy of a cluster, are checked', () => {
    expect(parseEnvironment({ REDIS_URL: 'redis://127.0.0.1:6379', POOL_NAME: 'worker-2' }))
      .toMatchObject({ redisUrl: 'redis://127.0.0.1:6379', poolName: 'worker-2' })
    expect(() => parseEnvironment({ REDIS_URL: 'http://x', POOL_NAME: 'Worker 2' })).toThrow(expect.objectContaining({
      problems: [
        'REDIS_URL must be a redis:// or rediss:// URL, got "http://x"',
        'POOL_NAME must be lowercase letters, digits, \'.\', \'_\' or \'-\' (at most 41), got "Worker 2"'
      ]
    }))
  })

  test('every bad variable is named at once, with what it got', () => {
    expect(() => parseEnvironment({ PORT: 'abc', SHUTDOWN_GRACE_MS: '-1', LOG_LEVEL: 'loud' })).toThrow(expect.objectContaining({
      name: 'ConfigError',
      problems: [
        'PORT must be a whole number from 0 to 65535, got "abc"',
        'SHUTDOWN_GRACE_MS must be a whole number from 0 to 2147483647, got "-1"',
        'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"'
      ]
    }))
    expect(() => parseEnvironment({ PORT: '70000' })).toThrow(/PORT must be a whole number from 0 to 65535, got "70000"/)
    expect(() => parseEnvironment({ PORT: '3e3' })).toThrow(/PORT/)
  })
})
