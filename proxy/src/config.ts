import { readFileSync } from 'node:fs'
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { ConfigError } from './errors'
import { DEFAULT_LIMITS, LIMIT_NAMES, MAX_LIMITS, type StageLimits } from '../../runner/src/contract/limits'

const MiB = 1024 * 1024
/** What the runner agent (Node) takes before any job's output: measured at about 40 MiB. */
const AGENT_BASELINE_BYTES = 48 * MiB

const limit = (value: number) => Type.Integer({ minimum: 1, default: value })
const StageLimits = (defaults: StageLimits) => Type.Object({
  timeoutMs: limit(defaults.timeoutMs),
  cpuTimeMs: limit(defaults.cpuTimeMs),
  memoryBytes: Type.Integer({ minimum: 16 * MiB, default: defaults.memoryBytes }),
  outputBytes: limit(defaults.outputBytes),
  processes: limit(defaults.processes),
  fileSizeBytes: limit(defaults.fileSizeBytes),
  openFiles: Type.Integer({ minimum: 16, default: defaults.openFiles })
}, { additionalProperties: false, default: {} })

const Limits = (compile: StageLimits, run: StageLimits) => Type.Object({
  compile: StageLimits(compile),
  run: StageLimits(run)
}, { additionalProperties: false, default: {} })

export const ConfigSchema = Type.Object({
  /** Labels this pool's containers; two pools with different names share an engine without touching each other. */
  poolName: Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]{0,40}$', default: 'codeexec' }),
  pool: Type.Object({
    min: Type.Integer({ minimum: 0, default: 45 }),
    max: Type.Integer({ minimum: 1, default: 45 }),
    acquireTimeoutMs: Type.Integer({ minimum: 1, default: 60000 }),
    maxWaitingRequests: Type.Integer({ minimum: 0, default: 1000 }),
    /** 1 replaces every runner after one job: a container per request. */
    maxUsesPerRunner: Type.Integer({ minimum: 1, default: 1000 }),
    startTimeoutMs: Type.Integer({ minimum: 1, default: 60000 }),
    /** Batch jobs running at once, each on its own CPU slot; unset: the engine's CPU count. */
    maxRunning: Type.Optional(Type.Integer({ minimum: 1 })),
    /** Interactive sessions open at once (they take no CPU slot); unset: a third of max, at least 1. */
    maxInteractive: Type.Optional(Type.Integer({ minimum: 1 }))
  }, { additionalProperties: false, default: {} }),
  runner: Type.Object({
    image: Type.String({ minLength: 1, default: 'codeexec-runner:latest' }),
    /** The container's memory limit is the job's memoryBytes plus the tmpfs sizes plus this, for the agent. */
    agentReserveBytes: Type.Integer({ minimum: 32 * MiB, default: 96 * MiB }),
    /** The container's pids limit: above every job's processes limit, with room for the agent. */
    pids: Type.Integer({ minimum: 16, default: 512 }),
    /** runc, or runsc for gVisor (registered with the engine by scripts/docker-engine.sh). */
    runtime: Type.Union([Type.Literal('runc'), Type.Literal('runsc')], { default: 'runc' }),
    cpus: Type.Number({ exclusiveMinimum: 0, default: 1 }),
    scratchBytes: Type.Integer({ minimum: MiB, default: 64 * MiB }),
    tmpBytes: Type.Integer({ minimum: MiB, default: 32 * MiB }),
    socketDir: Type.String({ minLength: 1, default: '/run/codeexec' })
  }, { additionalProperties: false, default: {} }),
  limits: Type.Object({
    default: Limits(DEFAULT_LIMITS.compile, DEFAULT_LIMITS.run),
    max: Limits(MAX_LIMITS.compile, MAX_LIMITS.run)
  }, { additionalProperties: false, default: {} }),
  docker: Type.Object({
    socketPath: Type.String({ minLength: 1, default: '/var/run/docker.sock' }),
    timeoutMs: Type.Integer({ minimum: 1, default: 30000 })
  }, { additionalProperties: false, default: {} }),
  bodyLimitBytes: Type.Integer({ minimum: 1024, default: 4 * MiB }),
  submissions: Type.Object({
    /** Submissions queued (not yet on a runner), every user together; over it is a 429. */
    maxQueued: Type.Integer({ minimum: 1, default: 1000 }),
    /** Submissions of one user on a runner, or in the pool's queue for one, at once. */
    maxRunningPerUser: Type.Integer({ minimum: 1, default: 5 }),
    /** Submissions of one user queued behind those; over it is a 429. */
    maxQueuedPerUser: Type.Integer({ minimum: 0, default: 50 }),
    /** How long a finished submission can be read, and how many are kept at most. */
    keepFinishedMs: Type.Integer({ minimum: 1000, default: 600000 }),
    maxFinished: Type.Integer({ minimum: 1, default: 10000 }),
    /** Finished results held in memory; past it they go to spill files (bytes, estimated). */
    maxFinishedBytes: Type.Integer({ minimum: MiB, default: 256 * MiB }),
    /** Finished results in spill files; past it the oldest are forgotten early. */
    maxSpilledBytes: Type.Integer({ minimum: 64 * MiB, default: 4096 * MiB }),
    /** Where spill files go (a directory of their own is made in it); empty: the OS's temp directory. */
    spillDir: Type.String({ default: '' })
  }, { additionalProperties: false, default: {} }),
  queue: Type.Object({
    /**
     * redis://host:port of a Redis every proxy shares (REDIS_URL overrides it): submissions then go through
     * one BullMQ queue that every proxy takes from. Empty: one process, as without Redis (README).
     */
    redisUrl: Type.String({ pattern: '^(rediss?://.+)?$', default: '' }),
    /** The BullMQ queue's name and the prefix of every key: proxies with the same name share the queue. */
    name: Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]{0,40}$', default: 'codeexec' }),
    /** A job a node holds is its own for this long unless renewed: a node silent this long has lost it. */
    lockMs: Type.Integer({ minimum: 1000, default: 30000 }),
    /** How often each node looks for jobs whose node went silent, to queue them again. */
    stalledIntervalMs: Type.Integer({ minimum: 500, default: 30000 }),
    /** Times a job may be queued again after its node went silent; once more and it fails (internal_error). */
    maxStalledCount: Type.Integer({ minimum: 0, default: 1 }),
    /** Jobs this node runs at once; unset: the pool's CPU slots (pool.maxRunning). */
    concurrency: Type.Optional(Type.Integer({ minimum: 1 })),
    /** How long a job waits before it is looked at again when its user already has maxRunningPerUser running. */
    userCapRetryMs: Type.Integer({ minimum: 10, default: 200 })
  }, { additionalProperties: false, default: {} }),
  judge: Type.Object({
    /** Tests one judge request may have; more is a 400 naming `tests`. */
    maxTests: Type.Integer({ minimum: 1, default: 100 }),
    /** Bytes of every test's stdin and expectedOutput together; more is a 400 naming `tests`. */
    maxTotalInputBytes: Type.Integer({ minimum: 1024, default: 4 * MiB }),
    /** Each test's stdout and stderr in the answer are cut to this many bytes (judged whole). */
    outputBytesPerTest: Type.Integer({ minimum: 0, default: 16 * 1024 })
  }, { additionalProperties: false, default: {} }),
  auth: Type.Object({
    /** API keys, each mapped to its user id. Without keys the service is single-tenant. */
    keys: Type.Record(Type.String({ minLength: 16 }), Type.String({ minLength: 1, maxLength: 128 }), { default: {} })
  }, { additionalProperties: false, default: {} }),
  judge0: Type.Object({
    /** Judge0's X-Auth-User tokens (its AUTHZ_TOKEN): they may list every submission. Without any, that is a 403, as in Judge0. */
    authUsers: Type.Array(Type.String({ minLength: 16 }), { default: [] }),
    /**
     * Whether a submission may name a callback_url (Judge0's ENABLE_CALLBACKS). The server PUTs to the URL
     * the client names: where it can reach addresses clients should not, turn this off.
     */
    callbacks: Type.Boolean({ default: true })
  }, { additionalProperties: false, default: {} }),
  jobe: Type.Object({
    /** Bytes of files PUT to /jobe/.../files kept for runs to name; past it the least recently used go. */
    fileCacheBytes: Type.Integer({ minimum: MiB, default: 64 * MiB })
  }, { additionalProperties: false, default: {} }),
  websocket: Type.Object({
    /** A socket whose unsent events pass this many bytes (a client that stopped reading) is closed. */
    maxBufferedBytes: Type.Integer({ minimum: 64 * 1024, default: 8 * MiB })
  }, { additionalProperties: false, default: {} })
}, { additionalProperties: false })

export type Config = Static<typeof ConfigSchema>


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
      for (const name of LIMIT_NAMES) {
        const def = config.limits.default[stage][name]
        const max = config.limits.max[stage][name]
        if (def > max) problems.push(`limits.default.${stage}.${name} (${def}) must not be over limits.max.${stage}.${name} (${max})`)
      }
      const processes = config.limits.max[stage].processes
      if (config.runner.pids < processes + 32) {
        problems.push(`runner.pids (${config.runner.pids}) must be at least limits.max.${stage}.processes + 32 (${processes + 32}), ` +
          'room for the agent')
      }
    }
  }
  if (problems.length === 0) {
    // The agent holds a job's output as it read it (both streams of both stages) and its stdin, beside
    // its own baseline: the reserve must cover the most a job may print (result-writer.ts).
    const { compile, run } = config.limits.max
    const needed = AGENT_BASELINE_BYTES + 2 * (compile.outputBytes + run.outputBytes) + config.bodyLimitBytes
    if (config.runner.agentReserveBytes < needed) {
      problems.push(`runner.agentReserveBytes (${config.runner.agentReserveBytes}) must be at least ${needed}: ` +
        `${AGENT_BASELINE_BYTES} for the agent, ` +
        'plus both streams of both stages at limits.max.*.outputBytes, plus bodyLimitBytes')
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
