import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import { languages } from '../../../runner/src/languages'
import type { ExecutionPool } from '../execution-pool'

const Runtime = Type.Object({
  language: Type.String(),
  version: Type.String(),
  aliases: Type.Array(Type.String()),
  compiled: Type.Boolean()
})

export function runtimesRoute (app: FastifyInstance, pool: ExecutionPool): void {
  // The language table, with each toolchain's version as the runners report it ("unknown" before the
  // first runner has started).
  app.get('/api/v1/runtimes', { schema: { response: { 200: Type.Array(Runtime) } } }, async () =>
    languages.map((language) => ({
      language: language.name,
      version: pool.versions[language.name] ?? 'unknown',
      aliases: language.aliases,
      compiled: language.compile !== undefined
    })))
}
