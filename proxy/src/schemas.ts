import { Type, type Static } from '@sinclair/typebox'
import type { Config } from './config'

const stageLimits = (maxTimeoutMs: number) => Type.Optional(Type.Object({
  timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: maxTimeoutMs }))
}, { additionalProperties: false }))

/** The body of POST /api/v1/execute; the maximums come from pool.config.json. */
export function executeBodySchema (config: Config) {
  return Type.Object({
    language: Type.String({ minLength: 1, maxLength: 64 }),
    code: Type.String(),
    stdin: Type.Optional(Type.String()),
    args: Type.Optional(Type.Array(Type.String(), { maxItems: 256 })),
    limits: Type.Optional(Type.Object({
      compile: stageLimits(config.limits.max.compile.timeoutMs),
      run: stageLimits(config.limits.max.run.timeoutMs)
    }, { additionalProperties: false }))
  }, { additionalProperties: false })
}

export type ExecuteBody = Static<ReturnType<typeof executeBodySchema>>

const Stage = Type.Union([Type.Null(), Type.Object({
  stdout: Type.String(),
  stderr: Type.String(),
  exitCode: Type.Union([Type.Integer(), Type.Null()]),
  signal: Type.Union([Type.String(), Type.Null()]),
  wallMs: Type.Number()
})])

export const ExecuteResponse = Type.Object({
  language: Type.String(),
  version: Type.String(),
  status: Type.String(),
  compile: Stage,
  run: Stage,
  timing: Type.Object({
    queueMs: Type.Number(),
    runnerMs: Type.Number(),
    totalMs: Type.Number()
  })
})

export const ErrorResponse = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String() })
})
