import { Type, type Static } from '@sinclair/typebox'
import { MAX_ARGS } from '../../../../runner/src/contract/args'
import type { StageReport } from '../../../../runner/src/contract/job'
import type { StageLimits } from '../../../../runner/src/contract/limits'
import type { Config } from '../../config'
import { findLanguage } from '../../../../runner/src/contract/languages'
import { InvalidFieldError, UnknownLanguageError, UnknownVersionError } from '../../errors'
import type { ExecutionAnswer } from '../../execution'
import type { JobRequest } from '../../job-input'
import type { RequestedLimits } from '../../limits'

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

/** Piston's limit fields onto ours: -1 is our maximum, anything else must be within it (Piston's messages). */
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
    else if (value < 1) throw new InvalidFieldError(field, 'must be positive, or -1 for the maximum')
    else if (value > max) throw new InvalidFieldError(field, `cannot exceed the configured limit of ${max}`)
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

/** A Piston execute body as the job it asks for, in the terms every API shares (job-input.ts). */
export function pistonRequest (body: PistonExecuteBody, config: Config): JobRequest {
  return { language: body.language, version: body.version, files: body.files, stdin: body.stdin, args: body.args, limits: pistonLimits(body, config) }
}

/**
 * An error as Piston words it, where Piston has words of its own: an unknown language or version is
 * "<language>-<version> runtime is unknown". Everything else keeps our message.
 */
export function pistonMessage (err: Error, body: Partial<Pick<PistonExecuteBody, 'language' | 'version'>>, versions: Record<string, string>): string {
  const asked = `${body.language}-${body.version ?? '*'}`
  if (err instanceof UnknownLanguageError) return `${asked} runtime is unknown`
  if (err instanceof UnknownVersionError) {
    const language = findLanguage(body.language ?? '')!.name
    return `${asked} runtime is unknown; we have ${language}-${versions[language] ?? 'unknown'}`
  }
  return err.message
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
