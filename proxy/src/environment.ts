import { ConfigError } from './errors'

/** What the proxy takes from its environment (README, Two commands), checked as the config file is. */
export interface Environment {
  configPath: string
  port: number
  host: string
  logLevel: string
  shutdownGraceMs: number
  /** REDIS_URL: overrides the config's queue.redisUrl. */
  redisUrl?: string
  /** POOL_NAME: overrides the config's poolName (proxies sharing one engine need one each). */
  poolName?: string
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

/** Defaults filled, every problem listed at once; throws ConfigError naming the variables. */
export function parseEnvironment (env: NodeJS.ProcessEnv): Environment {
  const problems: string[] = []
  const integer = (name: string, fallback: number, max: number): number => {
    const raw = env[name]
    if (raw === undefined || raw === '') return fallback
    const value = Number(raw)
    if (!/^\d+$/.test(raw) || value > max) {
      problems.push(`${name} must be a whole number from 0 to ${max}, got ${JSON.stringify(raw)}`)
      return fallback
    }
    return value
  }
  const port = integer('PORT', 3000, 65535)
  const shutdownGraceMs = integer('SHUTDOWN_GRACE_MS', 60000, 2 ** 31 - 1)
  const logLevel = env.LOG_LEVEL || 'info'
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(logLevel)}`)
  const host = env.HOST || '127.0.0.1'
  const redisUrl = env.REDIS_URL || undefined
  if (redisUrl !== undefined && !/^rediss?:\/\/./.test(redisUrl)) problems.push(`REDIS_URL must be a redis:// or rediss:// URL, got ${JSON.stringify(redisUrl)}`)
  const poolName = env.POOL_NAME || undefined
  if (poolName !== undefined && !/^[a-z0-9][a-z0-9_.-]{0,40}$/.test(poolName)) {
    problems.push(`POOL_NAME must be lowercase letters, digits, '.', '_' or '-' (at most 41), got ${JSON.stringify(poolName)}`)
  }
  if (problems.length > 0) throw new ConfigError('environment', problems)
  return {
    configPath: env.POOL_CONFIG || 'pool.config.json',
    port,
    host,
    logLevel,
    shutdownGraceMs,
    ...(redisUrl ? { redisUrl } : {}),
    ...(poolName ? { poolName } : {})
  }
}
