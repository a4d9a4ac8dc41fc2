import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { findLanguage, languageNames } from '../../../runner/src/languages'
import type { Config } from '../config'
import { UnknownLanguageError } from '../errors'
import type { ExecutionPool } from '../execution-pool'
import { containerMemoryBytes, effectiveLimits, runnerDeadlineMs } from '../limits'
import { ErrorResponse, executeBodySchema, ExecuteResponse } from '../schemas'

const sinceMs = (start: number) => Math.round((performance.now() - start) * 100) / 100

export function executeRoute (app: FastifyInstance, config: Config, pool: ExecutionPool): void {
  app.withTypeProvider<TypeBoxTypeProvider>().post('/api/v1/execute', {
    schema: {
      body: executeBodySchema(config),
      response: { 200: ExecuteResponse, '4xx': ErrorResponse, '5xx': ErrorResponse }
    }
  }, async (request, reply) => {
    const started = performance.now()
    const body = request.body
    const language = findLanguage(body.language)
    if (!language) throw new UnknownLanguageError(JSON.stringify(body.language), languageNames().join(', '))
    const limits = effectiveLimits(config, language, body.limits)
    const job = { language: language.name, code: body.code, stdin: body.stdin ?? '', args: body.args ?? [], limits }

    let clientGone = false
    reply.raw.once('close', () => { clientGone = !reply.raw.writableFinished })
    const runner = await pool.acquire()
    const queueMs = sinceMs(started)
    if (clientGone) {
      // The client left while waiting: the runner did nothing and goes straight back.
      pool.giveBack(runner)
      return reply.code(499).send({ error: { code: 'EXEC_ERR_CLIENT_GONE', message: 'the client closed the request while it waited for a runner' } })
    }
    let result
    try {
      await pool.fit(runner, containerMemoryBytes(config, limits))
      result = await runner.execute(job, runnerDeadlineMs(limits, language.compile !== undefined))
    } catch (err) {
      // The runner died or hung mid-job, most likely by the program's doing: a result, not an HTTP error.
      pool.release(runner, false)
      request.log.warn({ err, runner: runner.id }, 'runner failed during a job; replacing it')
      return {
        language: language.name,
        version: runner.versions[language.name] ?? 'unknown',
        status: 'internal_error',
        compile: null,
        run: null,
        message: `the runner failed while running the job: ${(err as Error).message}`,
        timing: { queueMs, runnerMs: 0, totalMs: sinceMs(started) }
      }
    }
    pool.release(runner, result.clean)
    if (!result.clean) request.log.warn({ runner: runner.id, problems: result.problems }, 'runner reported itself unclean; replacing it')
    return {
      language: result.language,
      version: result.version,
      status: result.status,
      compile: result.compile,
      run: result.run,
      ...(result.message !== undefined ? { message: result.message } : {}),
      timing: { queueMs, runnerMs: result.runnerMs, totalMs: sinceMs(started) }
    }
  })
}
