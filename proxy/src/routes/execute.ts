import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { findLanguage, languageNames } from '../../../runner/src/languages'
import type { Config } from '../config'
import { UnknownLanguageError } from '../errors'
import type { ExecutionPool } from '../execution-pool'
import { containerMemoryBytes, effectiveLimits, runnerDeadlineMs } from '../limits'
import type { Metrics, RejectionReason } from '../metrics'
import { RunnerError, type RunnerResult } from '../pool/runner'
import { ErrorResponse, executeBodySchema, ExecuteResponse } from '../schemas'

const sinceMs = (start: number) => Math.round((performance.now() - start) * 100) / 100

const REJECTIONS: Record<string, RejectionReason> = {
  EXEC_ERR_QUEUE_FULL: 'queue_full',
  EXEC_ERR_QUEUE_TIMEOUT: 'queue_timeout',
  EXEC_ERR_SHUTTING_DOWN: 'shutting_down'
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])

/** What the request log line says of an execution; never the code or its output. */
export interface ExecutionLog {
  language: string
  status?: string
  queueMs?: number
  runner?: string
}

declare module 'fastify' {
  interface FastifyRequest {
    execution?: ExecutionLog
  }
}

export function executeRoute (app: FastifyInstance, config: Config, pool: ExecutionPool, metrics: Metrics): void {
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
    const execution: ExecutionLog = { language: language.name }
    request.execution = execution

    let clientGone = false
    reply.raw.once('close', () => { clientGone = !reply.raw.writableFinished })
    let runner
    try {
      runner = await pool.acquire()
    } catch (err) {
      const reason = REJECTIONS[(err as { code?: string }).code ?? '']
      if (reason) metrics.rejected.inc({ reason })
      throw err
    }
    const queueMs = sinceMs(started)
    metrics.waitSeconds.observe(queueMs / 1000)
    execution.queueMs = queueMs
    execution.runner = runner.id
    if (clientGone) {
      // The client left while waiting: the runner did nothing and goes straight back.
      pool.giveBack(runner)
      return reply.code(499).send({ error: { code: 'EXEC_ERR_CLIENT_GONE', message: 'the client closed the request while it waited for a runner' } })
    }

    const handedOver = performance.now()
    let result: RunnerResult
    try {
      await pool.fit(runner, containerMemoryBytes(config, limits))
      result = await runner.execute(job, runnerDeadlineMs(limits, language.compile !== undefined))
    } catch (err) {
      // The runner died or hung mid-job, most likely by the program's doing: a result, not an HTTP error.
      const code = err instanceof RunnerError ? err.code : (err as { code?: string }).code ?? 'UNKNOWN'
      metrics.upstreamErrors.inc({ code })
      pool.release(runner, TIMEOUT_CODES.has(code) ? 'timed_out' : 'crashed')
      request.log.warn({ err, runner: runner.id }, 'runner failed during a job; replacing it')
      execution.status = 'internal_error'
      metrics.executions.inc({ language: language.name, status: 'internal_error' })
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
    pool.release(runner, result.clean ? 'clean' : 'unclean')
    if (!result.clean) request.log.warn({ runner: runner.id, problems: result.problems }, 'runner reported itself unclean; replacing it')
    execution.status = result.status
    metrics.executions.inc({ language: language.name, status: result.status })
    metrics.executionSeconds.observe({ language: language.name }, (performance.now() - handedOver) / 1000)
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
