import { randomBytes } from 'node:crypto'
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { errorHandler } from '../../error-handler'
import { isClientError } from '../../errors'
import { jobInput } from '../../job-input'
import { servicesOf, SERVICE_VERSION, type Services } from '../../services'
import type { SubmissionView } from '../../submissions/queue'
import { authenticated, authorized } from './auth'
import { sendCallback } from './callback'
import { about, configInfo, JUDGE0_VERSION, systemInfo, workers } from './info'
import { JUDGE0_LANGUAGES, judge0Language, languageDetails, type Judge0Language } from './languages'
import { NotUtf8Error } from './output'
import { Judge0Records, keptAsJson, keptFromJson, type Kept } from './records'
import { judge0Outcome, repeatedRuns, runsProblem } from './runs'
import { STATUSES } from './statuses'
import {
  DEFAULT_FIELDS, jobRequestOf, judge0Request, Judge0ValidationError, judge0View, MAX_BATCH, requestedFields
} from './submission'

type Query = Record<string, string | undefined>

/** Judge0's answer to one submission of a request: its token and when it is done, or its 422 errors, or a full queue. */
type Created = { record: Kept, done: Promise<void> } | { errors: Record<string, string[]> } | { full: true }

/**
 * Judge0 CE v1.13.1's API under /judge0, in its shapes, read from its code: submissions (one, batches,
 * the list), statuses, languages with Judge0's ids, and its information and session endpoints.
 * Submissions go through our submission queue. README says where we differ.
 */
/** A Judge0 submission's request, and its state when that was read with it. */
interface Found { record: Kept, view?: SubmissionView }

export const judge0Api: FastifyPluginAsync<Services> = async (app, options) => {
  const { config, pool, metrics, submissions } = servicesOf(options)
  // The requests kept for Judge0's views take no more memory than the results the queue holds in memory.
  const records = new Judge0Records(
    config.submissions.maxFinished + config.submissions.maxQueued, config.submissions.maxFinishedBytes, (token) => submissions.knows(token)
  )
  const users = new WeakMap<FastifyRequest, string | undefined>()

  // Every call is authenticated first, as Judge0's controllers all are (X-Auth-Token: one of our keys).
  app.addHook('preHandler', async (request, reply) => {
    const user = authenticated(config, request, reply)
    if (user === null) return reply
    users.set(request, user)
  })
  const userOf = (request: FastifyRequest) => users.get(request)

  // Output asked for as text that is not UTF-8: Judge0's 400; every other failure as the app answers it.
  const appErrors = errorHandler(config.bodyLimitBytes)
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof NotUtf8Error) return reply.code(400).send({ error: error.message })
    appErrors(error, request, reply)
  })

  app.post('/authenticate', async (_request, reply) => reply.code(200).send())
  app.post('/authorize', async (request, reply) => authorized(config, request, reply) ? reply.code(200).send() : reply)

  app.get('/about', async () => about(SERVICE_VERSION))
  app.get('/version', async (_request, reply) => reply.type('text/plain').send(JUDGE0_VERSION))
  app.get('/config_info', async () => configInfo(config))
  app.get('/system_info', async () => systemInfo())
  app.get('/workers', async () => workers(pool, submissions, metrics))
  app.get('/statuses', async () => STATUSES)

  const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name)
  const named = (language: Judge0Language) => ({ id: language.id, name: language.label(pool.versions[language.language] ?? 'unknown') })
  app.get('/languages', async () => JUDGE0_LANGUAGES.filter((language) => language.listed).map(named).sort(byName))
  app.get('/languages/all', async () => JUDGE0_LANGUAGES.map((language) => ({ ...named(language), is_archived: false })).sort(byName))
  app.get('/languages/:id', async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const language = judge0Language(Number(request.params.id))
    if (!language) return reply.code(404).send({ error: 'Not Found' })
    return languageDetails(language, pool.versions)
  })

  /**
   * A submission as Judge0 shows it now, or undefined once the queue has forgotten it; `view`: its state as
   * just read, when it was (a result may be megabytes: it is not read twice).
   */
  const current = async ({ record, view: read }: Found, fields: readonly string[], base64: boolean) => {
    const view = read ?? await submissions.get(record.token, record.userId)
    if (!view) return undefined
    const outcome = view.result && judge0Outcome(view.result)
    return judge0View({ ...record, finishedAt: record.finishedAt ?? view.finishedAt, state: view.state, outcome }, fields, base64, pool.versions)
  }

  /**
   * A submission's request: kept here, or (made on another node of a cluster) kept beside the submission,
   * read with its state.
   */
  const find = async (token: string): Promise<Found | undefined> => {
    const record = records.get(token)
    if (record) return { record }
    const view = await submissions.get(token)
    return view?.meta === undefined ? undefined : { record: keptFromJson(view.meta), view }
  }

  /** Several submissions as Judge0 shows them (undefined where unknown); output not UTF-8 in any is a list's error. */
  const currentAll = async (list: Array<Found | undefined>, fields: readonly string[], base64: boolean) => {
    try {
      return await Promise.all(list.map(async (found) => found && await current(found, fields, base64)))
    } catch (err) {
      throw err instanceof NotUtf8Error ? new NotUtf8Error(true) : err
    }
  }

  /** One submission of a request, checked, then queued; its callback, if any, is sent once it is done. */
  const create = async (body: unknown, base64: boolean, user: string | undefined): Promise<Created> => {
    const fields = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}) as Record<string, unknown>
    let judge0
    try {
      judge0 = judge0Request(fields, base64, config)
    } catch (err) {
      if (err instanceof Judge0ValidationError) return { errors: err.errors }
      throw err
    }
    const runs = judge0.numbers.number_of_runs
    const runsWrong = runsProblem(runs, judge0.stdin, judge0.expected_output, config)
    if (runsWrong) return { errors: { number_of_runs: [runsWrong] } }
    let input
    try {
      // The runner answers output as raw bytes, base64: Judge0 gives them back as they were when asked.
      input = repeatedRuns({ ...jobInput(jobRequestOf(judge0, config), config, pool.versions), outputBase64: true }, runs, judge0.expected_output)
    } catch (err) {
      // What our checks refuse that Judge0's let through (an argument too long, say): a 422 as Judge0 writes it.
      if (isClientError(err)) return { errors: { base: [err.message] } }
      throw err
    }
    const record: Kept = { token: '', request: judge0, createdAt: new Date().toISOString(), userId: user }
    let finished = () => {}
    const done = new Promise<void>((resolve) => { finished = resolve })
    let view
    try {
      // Without keys each submission counts as a user of its own: Judge0 has no users, only its queue.
      view = await submissions.submit(user ?? `judge0:${randomBytes(9).toString('base64url')}`, input, {
        meta: (token) => keptAsJson({ ...record, token }),
        watcher: (event) => {
          if (event.type !== 'done') return
          record.finishedAt = new Date().toISOString()
          finished()
          if (judge0.callback_url !== null) {
            const shown = judge0View({ ...record, state: 'done', outcome: judge0Outcome(event.result) }, DEFAULT_FIELDS, true, pool.versions)
            void sendCallback(judge0.callback_url, JSON.stringify(shown), app.log)
          }
        }
      })
    } catch (err) {
      if (isClientError(err) || (err as { statusCode?: number }).statusCode === 503) return { full: true }
      throw err
    }
    record.token = view.id
    records.add(record)
    return { record, done }
  }

  const invalidFields = (reply: FastifyReply, invalid: string[]) => reply.code(400).send({ error: `invalid fields: [${invalid.join(', ')}]` })

  app.post('/submissions', async (request: FastifyRequest<{ Querystring: Query }>, reply) => {
    const { query } = request
    const base64 = query.base64_encoded === 'true'
    const fields = requestedFields(query.fields)
    if ('invalid' in fields) return invalidFields(reply, fields.invalid)
    const created = await create(request.body, base64, userOf(request))
    if ('errors' in created) return reply.code(422).send(created.errors)
    if ('full' in created) return reply.code(503).send({ error: 'queue is full' })
    if (query.wait !== 'true') return reply.code(201).send({ token: created.record.token })
    await created.done
    try {
      return reply.code(201).send(await current({ record: created.record }, fields.fields, base64))
    } catch (err) {
      if (err instanceof NotUtf8Error) return reply.code(201).send({ token: created.record.token, error: err.message })
      throw err
    }
  })

  const batchSizeProblem = (count: number) => count > MAX_BATCH
    ? `number of submissions in a batch should be less than or equal to ${MAX_BATCH}`
    : count === 0 ? 'there should be at least one submission in a batch' : null

  // Judge0's batch_create: no wait, fields ignored, each submission its token or its errors; 201 when one was made.
  app.post('/submissions/batch', async (request: FastifyRequest<{ Querystring: Query }>, reply) => {
    const given = (request.body as { submissions?: unknown } | null)?.submissions
    const list = Array.isArray(given) ? given : []
    const problem = batchSizeProblem(list.length)
    if (problem) return reply.code(400).send({ error: problem })
    if (submissions.queued + list.length > config.submissions.maxQueued) return reply.code(503).send({ error: 'queue is full' })
    const base64 = request.query.base64_encoded === 'true'
    const answers = await Promise.all(list.map(async (body) => {
      const created = await create(body, base64, userOf(request))
      if ('errors' in created) return created.errors
      if ('full' in created) return { error: 'queue is full' }
      return { token: created.record.token }
    }))
    return reply.code(answers.some((answer) => 'token' in answer) ? 201 : 422).send(answers)
  })

  // Judge0's batch_show: tokens from the header or the query, each submission or null.
  app.get('/submissions/batch', async (request: FastifyRequest<{ Querystring: Query }>, reply) => {
    const header = request.headers.tokens
    const tokens = String(typeof header === 'string' ? header : request.query.tokens ?? '').trim().split(',').filter((token) => token !== '')
    const problem = batchSizeProblem(tokens.length)
    if (problem) return reply.code(400).send({ error: problem })
    const fields = requestedFields(request.query.fields)
    if ('invalid' in fields) return invalidFields(reply, fields.invalid)
    const user = userOf(request)
    const found = await Promise.all(tokens.map(find))
    const visible = found.map((one) => user === undefined || one?.record.userId === user ? one : undefined)
    const shown = await currentAll(visible, fields.fields, request.query.base64_encoded === 'true')
    return { submissions: shown.map((view) => view ?? null) }
  })

  // Judge0's index: every submission, newest first, for an X-Auth-User only.
  app.get('/submissions', async (request: FastifyRequest<{ Querystring: Query }>, reply) => {
    if (!authorized(config, request, reply)) return reply
    const fields = requestedFields(request.query.fields)
    if ('invalid' in fields) return invalidFields(reply, fields.invalid)
    const page = request.query.page === undefined ? 1 : Math.trunc(Number(request.query.page)) || 0
    const perPage = request.query.per_page === undefined ? 20 : Math.trunc(Number(request.query.per_page)) || 0
    if (page <= 0) return reply.code(400).send({ error: `invalid page: ${page}` })
    if (perPage <= 0) return reply.code(400).send({ error: `invalid per_page: ${perPage}` })
    const all = records.newestFirst()
    const onPage = all.slice((page - 1) * perPage, page * perPage).map((record) => ({ record }))
    const shown = await currentAll(onPage, fields.fields, request.query.base64_encoded === 'true')
    const totalPages = Math.ceil(all.length / perPage)
    return {
      submissions: shown.filter((view) => view !== undefined),
      meta: {
        current_page: page,
        next_page: page < totalPages ? page + 1 : null,
        prev_page: page > 1 ? page - 1 : null,
        total_pages: totalPages,
        total_count: all.length
      }
    }
  })

  app.get('/submissions/:token', async (request: FastifyRequest<{ Params: { token: string }, Querystring: Query }>, reply) => {
    const fields = requestedFields(request.query.fields)
    if ('invalid' in fields) return invalidFields(reply, fields.invalid)
    const user = userOf(request)
    const found = await find(request.params.token)
    const shown = found && (user === undefined || found.record.userId === user)
      ? await current(found, fields.fields, request.query.base64_encoded === 'true')
      : undefined
    if (!shown) return reply.code(404).send({ error: 'Not Found' })
    return shown
  })
}
