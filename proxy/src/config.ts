import { readFileSync } from 'node:fs'
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'

const Limits = (compileTimeoutMs: number, runTimeoutMs: number) => Type.Object({
  compile: Type.Object({ timeoutMs: Type.Integer({ minimum: 1, default: compileTimeoutMs }) }, { additionalProperties: false, default: {} }),
  run: Type.Object({ timeoutMs: Type.Integer({ minimum: 1, default: runTimeoutMs }) }, { additionalProperties: false, default: {} })
}, { additionalProperties: false, default: {} })

export const ConfigSchema = Type.Object({
  /** Labels this pool's containers; two pools with different names share an engine without touching each other. */
  poolName: Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]{0,40}$', default: 'codeexec' }),
  pool: Type.Object({
    min: Type.Integer({ minimum: 0, default: 45 }),
    max: Type.Integer({ minimum: 1, default: 45 }),
    acquireTimeoutMs: Type.Integer({ minimum: 1, default: 10000 }),
    maxWaitingRequests: Type.Integer({ minimum: 0, default: 1000 }),
    /** 1 replaces every runner after one job: a container per request. */
    maxUsesPerRunner: Type.Integer({ minimum: 1, default: 1000 }),
    startTimeoutMs: Type.Integer({ minimum: 1, default: 60000 })
  }, { additionalProperties: false, default: {} }),
  runner: Type.Object({
    image: Type.String({ minLength: 1, default: 'codeexec-runner:latest' }),
    memoryBytes: Type.Integer({ minimum: 64 * 1024 * 1024, default: 512 * 1024 * 1024 }),
    pids: Type.Integer({ minimum: 16, default: 256 }),
    cpus: Type.Number({ exclusiveMinimum: 0, default: 1 }),
    scratchBytes: Type.Integer({ minimum: 1024 * 1024, default: 64 * 1024 * 1024 }),
    tmpBytes: Type.Integer({ minimum: 1024 * 1024, default: 32 * 1024 * 1024 }),
    socketDir: Type.String({ minLength: 1, default: '/run/codeexec' })
  }, { additionalProperties: false, default: {} }),
  limits: Type.Object({
    default: Limits(10000, 3000),
    max: Limits(30000, 15000)
  }, { additionalProperties: false, default: {} }),
  docker: Type.Object({
    socketPath: Type.String({ minLength: 1, default: '/var/run/docker.sock' }),
    timeoutMs: Type.Integer({ minimum: 1, default: 30000 })
  }, { additionalProperties: false, default: {} }),
  bodyLimitBytes: Type.Integer({ minimum: 1024, default: 1024 * 1024 })
}, { additionalProperties: false })

export type Config = Static<typeof ConfigSchema>
export type StageName = 'compile' | 'run'

export class ConfigError extends Error {
  readonly code = 'EXEC_ERR_CONFIG'
  constructor (readonly source: string, readonly problems: string[]) {
    super(`invalid config ${source}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

function fieldName (path: string): string {
  return path.replace(/^\//, '').replace(/\//g, '.') || '(root)'
}

/** Fills defaults and checks everything at once, so one start lists every problem. */
export function parseConfig (input: unknown, source = 'config'): Config {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ConfigError(source, ['the config must be a JSON object'])
  }
  const config = Value.Default(ConfigSchema, structuredClone(input)) as Config
  const problems: string[] = []
  for (const error of Value.Errors(ConfigSchema, config)) {
    problems.push(`${fieldName(error.path)}: ${error.message}`)
  }
  if (problems.length === 0) {
    if (config.pool.min > config.pool.max) problems.push(`pool.min (${config.pool.min}) must not be over pool.max (${config.pool.max})`)
    for (const stage of ['compile', 'run'] as const) {
      const def = config.limits.default[stage].timeoutMs
      const max = config.limits.max[stage].timeoutMs
      if (def > max) problems.push(`limits.default.${stage}.timeoutMs (${def}) must not be over limits.max.${stage}.timeoutMs (${max})`)
    }
  }
  if (problems.length > 0) throw new ConfigError(source, problems)
  return config
}

export function loadConfig (path: string): Config {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new ConfigError(path, [`cannot read the file: ${(err as Error).message}`])
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new ConfigError(path, [`not valid JSON: ${(err as Error).message}`])
  }
  return parseConfig(json, path)
}
