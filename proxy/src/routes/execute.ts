import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { findLanguage, languageNames } from '../../../runner/src/languages'
import type { Config } from '../config'
import { InvalidFieldError, MissingFieldError, UnknownLanguageError, UnknownVersionError } from '../errors'
import { FilesError, prepareFiles, type PreparedFiles } from '../files'
import type { ExecutionPool } from '../execution-pool'
import { runExecution } from '../execution'
import { effectiveLimits } from '../limits'
import type { Metrics } from '../metrics'
import { ErrorResponse, executeBodySchema, ExecuteResponse } from '../schemas'
import { isVersionRange, versionSatisfies } from '../versions'

export function executeRoute (app: FastifyInstance, config: Config, pool: ExecutionPool, metrics: Metrics): void {
  app.withTypeProvider<TypeBoxTypeProvider>().post('/api/v1/execute', {
    schema: {
      body: executeBodySchema(config),
      response: { 200: ExecuteResponse, '4xx': ErrorResponse, '5xx': ErrorResponse }
    }
  }, async (request, reply) => {
    const body = request.body
    const language = findLanguage(body.language)
    if (!language) throw new UnknownLanguageError(JSON.stringify(body.language), languageNames().join(', '))
    if (body.version !== undefined) {
      if (!isVersionRange(body.version)) throw new InvalidFieldError('version', `must be "*", a version or a semver range, got ${JSON.stringify(body.version)}`)
      const have = pool.versions[language.name] ?? 'unknown'
      if (!versionSatisfies(body.version, have)) throw new UnknownVersionError(JSON.stringify(body.version), language.name, `${language.name} ${have}`)
    }
    if (body.code === undefined && body.files === undefined) throw new MissingFieldError('code (or files)')
    if (body.code !== undefined && body.files !== undefined) throw new InvalidFieldError('files', 'cannot come with code: send one or the other')
    let source: PreparedFiles = { code: body.code ?? '', files: [] }
    if (body.files !== undefined) {
      try {
        source = prepareFiles(body.files, language, config.runner.scratchBytes)
      } catch (err) {
        if (err instanceof FilesError) throw new InvalidFieldError(err.field, err.problem)
        throw err
      }
    }
    const limits = effectiveLimits(config, language, body.limits)
    const answer = await runExecution(
      { language, ...source, stdin: body.stdin ?? '', args: body.args ?? [], limits },
      { config, pool, metrics, request, reply }
    )
    if (answer === null) {
      return reply.code(499).send({ error: { code: 'EXEC_ERR_CLIENT_GONE', message: 'the client closed the request while it waited for a runner' } })
    }
    return answer
  })
}
