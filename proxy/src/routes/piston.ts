import type { FastifyError, FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type, type Static } from '@sinclair/typebox'
import { argsProblem, MAX_ARGS } from '../../../runner/src/contract/args'
import type { StageReport } from '../../../runner/src/contract/job'
import { findLanguage } from '../../../runner/src/contract/languages'
import { runtimes } from './runtimes'
import type { StageLimits } from '../../../runner/src/contract/limits'
import { apiKeyOf, keysConfigured, userOf } from '../auth'
import type { Config } from '../config'
import { toPublicError } from '../error-handler'
import type { ExecutionPool } from '../execution-pool'
import { runExecution, type ExecutionAnswer, type ExecutionInput } from '../execution'
import { effectiveLimits, type RequestedLimits } from '../limits'
import type { Metrics } from '../metrics'
import { versionSatisfies } from '../versions'
import { FilesError, prepareFiles } from '../files'

// Piston's v2 API, in its own shapes, so that Piston's clients work against us unchanged.

// Every string short but the program's own bytes (content, stdin, args: bounded by the body, args by
// args.ts): a megabyte "version" would otherwise be parsed as a semver range, blocking the event loop.
const PistonFile = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 255 })),
  content: Type.String(),
  encoding: Type.Optional(Type.Union([Type.Literal('utf8'), Type.Literal('base64'), Type.Literal('hex')]))
})

export const PistonExecute = Type.Object({
  language: Type.String({ minLength: 1, maxLength: 64 }),
  version: Type.Optional(Type.String({ maxLength: 64 })),
  files: Type.Array(PistonFile, { minItems: 1 }),
  stdin: Type.Optional(Type.String()),
  args: Type.Optional(Type.Array(Type.String(), { maxItems: MAX_ARGS })),
  compile_timeout: Type.Optional(Type.Integer()),
  run_timeout: Type.Optional(Type.Integer()),
  compile_cpu_time: Type.Optional(Type.Integer()),
  run_cpu_time: Type.Optional(Type.Integer()),
  compile_memory_limit: Type.Optional(Type.Integer()),
  run_memory_limit: Type.Optional(Type.Integer())
})

export type PistonExecuteBody = Static<typeof PistonExecute>

export class PistonError extends Error {
  constructor (message: string, readonly statusCode = 400) {
    super(message)
  }
}

/** Piston's limit fields onto ours: -1 is our maximum, anything else must be within it. */
export function pistonLimits (body: PistonExecuteBody, config: Config): RequestedLimits {
  const fields: Array<[keyof PistonExecuteBody, 'compile' | 'run', keyof StageLimits]> = [
    ['compile_timeout', 'compile', 'timeoutMs'], ['run_timeout', 'run', 'timeoutMs'],
    ['compile_cpu_time', 'compile', 'cpuTimeMs'], ['run_cpu_time', 'run', 'cpuTimeMs'],
    ['compile_memory_limit', 'compile', 'memoryBytes'], ['run_memory_limit', 'run', 'memoryBytes']
  ]
  const limits: RequestedLimits = { compile: {}, run: {} }
  for (const [field, stage, name] of fields) {
    const value = body[field] as number | undefined
    if (value === undefined) continue
    const max = config.limits.max[stage][name]
    if (value === -1) limits[stage]![name] = max
    else if (value < 1) throw new PistonError(`${field} must be positive, or -1 for the maximum`)
    else if (value > max) throw new PistonError(`${field} cannot exceed the configured limit of ${max}`)
    else limits[stage]![name] = value
  }
  return limits
}

/** One stage in Piston's shape: its status letters, its message, times in ms and memory in bytes. */
export function pistonStage (stage: StageReport) {
  let status: string | null = null
  let message: string | null = null
  switch (stage.status) {
    case 'ok': break
    case 'timeout': status = 'TO'; message = 'time limit exceeded'; break
    case 'output_limit': status = stage.truncated === 'stderr' ? 'EL' : 'OL'; message = `${stage.truncated ?? 'output'} length exceeded`; break
    case 'memory_limit': status = 'SG'; message = 'memory limit exceeded: killed'; break
    case 'internal_error': status = 'XX'; message = 'internal error'; break
    default:
      if (stage.signal !== null) {
        status = 'SG'
        message = `killed by ${stage.signal}`
      } else {
        status = 'RE'
        message = `exited with code ${stage.exitCode}`
      }
  }
  return {
    stdout: stage.stdout,
    stderr: stage.stderr,
    output: stage.output ?? stage.stdout + stage.stderr,
    code: stage.exitCode,
    signal: stage.signal,
    message,
    status,
    cpu_time: stage.cpuMs,
    wall_time: stage.wallMs,
    memory: stage.memoryBytes
  }
}

/** A Piston execute body as the job it asks for; a PistonError (Piston's message) when it cannot be run. */
export function pistonInput (body: PistonExecuteBody, config: Config, pool: ExecutionPool): ExecutionInput {
  const language = findLanguage(body.language)
  if (!language) throw new PistonError(`${body.language}-${body.version ?? '*'} runtime is unknown`)
  const version = pool.versions[language.name] ?? 'unknown'
  if (!versionSatisfies(body.version, version)) {
    throw new PistonError(`${body.language}-${body.version} runtime is unknown; we have ${language.name}-${version}`)
  }
  const argsWrong = argsProblem(body.args ?? [])
  if (argsWrong) throw new PistonError(`${argsWrong.field} ${argsWrong.problem}`)
  let source
  try {
    source = prepareFiles(body.files, language, config.runner.scratchBytes)
  } catch (err) {
    if (err instanceof FilesError) throw new PistonError(err.message)
    throw err
  }
  const limits = effectiveLimits(config, language, pistonLimits(body, config))
  return { language, ...source, stdin: body.stdin ?? '', args: body.args ?? [], limits }
}

export function pistonAnswer (answer: ExecutionAnswer) {
  const compile = answer.compile ? pistonStage(answer.compile) : undefined
  // On a failed compile Piston repeats the compile stage as the run stage.
  const run = answer.run ? pistonStage(answer.run) : compile ?? pistonStage({
    stdout: '', stderr: answer.message ?? '', output: answer.message ?? '', exitCode: null, signal: null,
    wallMs: 0, cpuMs: 0, memoryBytes: 0, truncated: null, status: 'internal_error'
  })
  return { language: answer.language, version: answer.version, run, ...(compile ? { compile } : {}) }
}

export function pistonRoutes (app: FastifyInstance, config: Config, pool: ExecutionPool, metrics: Metrics): void {
  app.register(async (piston) => {
    // Piston's own npm client posts its JSON as text/plain (node-fetch's default); Piston reads it anyway.
    piston.addContentTypeParser('text/plain', { parseAs: 'string' }, (_request, body, done) => {
      try {
        done(null, JSON.parse(body as string))
      } catch {
        done(new PistonError('body is not valid JSON'), undefined)
      }
    })
    // Errors in Piston's shape: {"message": "..."}.
    piston.setErrorHandler((error: FastifyError, request, reply) => {
      const context = { contentType: request.headers['content-type'], bodyLimitBytes: config.bodyLimitBytes }
      const known = error instanceof PistonError ? error : toPublicError(error, context)
      const statusCode = known.statusCode ?? 500
      const message = known.message
      if (statusCode >= 500) request.log.error({ err: error }, 'request failed')
      if (statusCode === 429 || statusCode === 503) void reply.header('retry-after', '1')
      void reply.code(statusCode).send({ message })
    })

    piston.get('/api/v2/runtimes', async () => runtimes(pool).map(({ language, version, aliases }) => ({ language, version, aliases })))

    piston.withTypeProvider<TypeBoxTypeProvider>().post('/api/v2/execute', { schema: { body: PistonExecute } }, async (request, reply) => {
      if (keysConfigured(config)) userOf(config, apiKeyOf(request.headers), undefined)
      const input = { ...pistonInput(request.body, config, pool), interleaved: true }
      const answer = await runExecution(input, { config, pool, metrics, request, reply })
      if (answer === null) return reply.code(499).send({ message: 'the client closed the request while it waited for a runner' })
      return pistonAnswer(answer)
    })
  })
}
