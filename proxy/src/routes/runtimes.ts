import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import { languages } from '../../../runner/src/contract/languages'
import type { ExecutionPool } from '../execution-pool'

const Runtime = Type.Object({
  language: Type.String(),
  version: Type.String(),
  aliases: Type.Array(Type.String()),
  compiled: Type.Boolean()
})

/**
 * The language table, with each toolchain's version as the runners report it ("unknown" before the
 * first runner has started). Piston's /api/v2/runtimes is the same list without `compiled`.
 */
export function runtimes (pool: Pick<ExecutionPool, 'versions'>) {
  return languages.map((language) => ({
    language: language.name,
    version: pool.versions[language.name] ?? 'unknown',
    aliases: language.aliases,
    compiled: language.compile !== undefined
  }))
}

export function runtimesRoute (app: FastifyInstance, pool: ExecutionPool): void {
  app.get('/api/v1/runtimes', { schema: { response: { 200: Type.Array(Runtime) } } }, async () => runtimes(pool))
}
