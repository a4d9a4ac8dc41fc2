import { Type, type Static } from '@sinclair/typebox'
import { MAX_USER_ID_LENGTH } from '../../auth'
import type { Config } from '../../config'
import { MAX_ARGS } from '../../../../runner/src/contract/args'
import { COMPARISON_TYPES } from '../../../../runner/src/contract/checkers'
import { LIMIT_NAMES, type StageLimits } from '../../../../runner/src/contract/limits'

const stageLimits = (max: StageLimits) => Type.Optional(Type.Object(
  Object.fromEntries(LIMIT_NAMES.map((name) => [name, Type.Optional(Type.Integer({ minimum: 1, maximum: max[name] }))])),
  { additionalProperties: false }
))

/** How many files a multi-file request may send. */
export const MAX_FILES = 64

/** The body of POST /api/v1/execute (`code`, or `files` with the entry point first); the maximums come from pool.config.json. */
export function executeBodySchema (config: Config) {
  return Type.Object(executeBodyProperties(config), { additionalProperties: false })
}

/**
 * POST /api/v1/submissions: the execute body plus the user it is for (without API keys); with `tests`
 * (and `checker`, `stopOnFirstFailure`), a judge job.
 */
export function submissionBodySchema (config: Config) {
  const { tests, ...judge } = judgeProperties(config)
  return Type.Object({
    ...executeBodyProperties(config),
    userId: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_USER_ID_LENGTH })),
    tests: Type.Optional(tests),
    ...judge
  }, { additionalProperties: false })
}

/** The checkers a judge request may name (contract/checkers.ts). */
const CHECKER_TYPES = [...COMPARISON_TYPES, 'program'] as const

/** POST /api/v1/judge: the program as execute takes it (without stdin: each test has its own), and its tests. */
export function judgeBodySchema (config: Config) {
  const { stdin: _stdin, ...program } = executeBodyProperties(config)
  return Type.Object({ ...program, ...judgeProperties(config) }, { additionalProperties: false })
}

function judgeProperties (config: Config) {
  return {
    tests: Type.Array(Type.Object({
      name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
      stdin: Type.Optional(Type.String()),
      expectedOutput: Type.Optional(Type.String()),
      limits: stageLimits(config.limits.max.run)
    }, { additionalProperties: false }), { minItems: 1, maxItems: config.judge.maxTests }),
    checker: Type.Optional(Type.Object({
      type: Type.Union(CHECKER_TYPES.map((type) => Type.Literal(type))),
      absolute: Type.Optional(Type.Number({ minimum: 0 })),
      relative: Type.Optional(Type.Number({ minimum: 0 })),
      // A checker program's (type program).
      language: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
      code: Type.Optional(Type.String())
    }, { additionalProperties: false })),
    stopOnFirstFailure: Type.Optional(Type.Boolean())
  }
}

function executeBodyProperties (config: Config) {
  return {
    language: Type.String({ minLength: 1, maxLength: 64 }),
    version: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    code: Type.Optional(Type.String()),
    files: Type.Optional(Type.Array(Type.Object({
      name: Type.String({ minLength: 1, maxLength: 255 }),
      content: Type.String(),
      encoding: Type.Optional(Type.Union([Type.Literal('utf8'), Type.Literal('base64')]))
    }, { additionalProperties: false }), { minItems: 1, maxItems: MAX_FILES })),
    stdin: Type.Optional(Type.String()),
    args: Type.Optional(Type.Array(Type.String(), { maxItems: MAX_ARGS })),
    limits: Type.Optional(Type.Object({
      compile: stageLimits(config.limits.max.compile),
      run: stageLimits(config.limits.max.run)
    }, { additionalProperties: false }))
  }
}

export type ExecuteBody = Static<ReturnType<typeof executeBodySchema>>
export type SubmissionBody = Static<ReturnType<typeof submissionBodySchema>>
export type JudgeBody = Static<ReturnType<typeof judgeBodySchema>>

const Stage = Type.Union([Type.Null(), Type.Object({
  stdout: Type.String(),
  stderr: Type.String(),
  exitCode: Type.Union([Type.Integer(), Type.Null()]),
  signal: Type.Union([Type.String(), Type.Null()]),
  wallMs: Type.Number(),
  cpuMs: Type.Number(),
  memoryBytes: Type.Integer(),
  truncated: Type.Union([Type.Literal('stdout'), Type.Literal('stderr'), Type.Null()]),
  status: Type.String()
})])

/** Where a job's time went: waiting for a runner, on it, in all. */
const Timing = Type.Object({
  queueMs: Type.Number(),
  runnerMs: Type.Number(),
  totalMs: Type.Number()
})

export const ExecuteResponse = Type.Object({
  language: Type.String(),
  version: Type.String(),
  status: Type.String(),
  compile: Stage,
  run: Stage,
  message: Type.Optional(Type.String()),
  timing: Timing
})

const Test = Type.Object({
  name: Type.String(),
  verdict: Type.String(),
  exitCode: Type.Union([Type.Integer(), Type.Null()]),
  signal: Type.Union([Type.String(), Type.Null()]),
  cpuMs: Type.Number(),
  wallMs: Type.Number(),
  memoryBytes: Type.Integer(),
  stdout: Type.String(),
  stderr: Type.String(),
  outputCut: Type.Boolean(),
  checker: Type.Union([Type.String(), Type.Null()])
})

export const JudgeResponse = Type.Object({
  language: Type.String(),
  version: Type.String(),
  verdict: Type.String(),
  compile: Stage,
  tests: Type.Array(Test),
  summary: Type.Object({
    passed: Type.Integer(),
    total: Type.Integer(),
    maxCpuMs: Type.Number(),
    maxWallMs: Type.Number(),
    maxMemoryBytes: Type.Integer(),
    compiles: Type.Integer()
  }),
  message: Type.Optional(Type.String()),
  timing: Timing
})

export const SubmissionResponse = Type.Object({
  id: Type.String(),
  state: Type.Union([Type.Literal('queued'), Type.Literal('running'), Type.Literal('done')]),
  position: Type.Optional(Type.Integer()),
  // A judge submission's result is /api/v1/judge's answer.
  result: Type.Optional(Type.Union([JudgeResponse, ExecuteResponse]))
})

export const ErrorResponse = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String() })
})

export const Runtime = Type.Object({
  language: Type.String(),
  version: Type.String(),
  aliases: Type.Array(Type.String()),
  compiled: Type.Boolean()
})

/** GET /api/v1/whoami: whether keys are configured, and the user of the key sent (null without one, or an unknown one). */
export const Whoami = Type.Object({ apiKeys: Type.Boolean(), userId: Type.Union([Type.String(), Type.Null()]) })
