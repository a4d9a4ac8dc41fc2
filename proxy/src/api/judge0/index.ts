import { randomBytes } from 'node:crypto'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { keysConfigured, userOf as keyUser } from '../../auth'
import { isClientError, UnauthorizedError } from '../../errors'
import { jobInput } from '../../job-input'
import { servicesOf, type Services } from '../../services'
import type { SubmissionResult } from '../../submissions/queue'
import type { ExecutionAnswer } from '../../execution'
import { JUDGE0_LANGUAGES, judge0Language, languageDetails, type Judge0Language } from './languages'
import { STATUSES } from './statuses'
import {
  jobRequestOf, judge0Request, Judge0ValidationError, judge0View, requestedFields, type Judge0Record
} from './submission'

type Query = Record<string, string | undefined>

/** What is kept of a Judge0 submission besides the queue's: its request, its times, whose it is. */
type Kept = Omit<Judge0Record, 'state' | 'answer'> & { userId?: string }

/**
 * Judge0 CE v1.13.1's API under /judge0, in its shapes: statuses, languages (with Judge0's ids), and
 * submissions created (`wait=true` answers the result, else a token) and read by token, with
 * `base64_encoded` and `fields`. Submissions go through our submission queue. README says what is not
 * here yet and where we differ.
 */
export const judge0Api: FastifyPluginAsync<Services> = async (app, options) => {
  const { config, pool, submissions } = servicesOf(options)
  // Each submission's Judge0 request, by token, as long as the queue keeps its result (and no more than it keeps).
  const records = new Map<string, Kept>()
  const keep = config.submissions.maxFinished + config.submissions.maxQueued
  const remember = (record: Kept) => {
    records.set(record.token, record)
    while (records.size > keep) records.delete(records.keys().next().value!)
  }

  // X-Auth-Token, as a header or in the query, is one of our API keys; without keys anyone may submit.
  // Judge0 answers a missing or unknown token with a bare 401.
  const userOf = (request: FastifyRequest, reply: FastifyReply): string | undefined | null => {
    if (!keysConfigured(config)) return undefined
    const header = request.headers['x-auth-token']
    try {
      return keyUser(config, typeof header === 'string' ? header : (request.query as Query)['X-Auth-Token'], undefined)
    } catch (err) {
      if (!(err instanceof UnauthorizedError)) throw err
      void reply.code(401).send()
      return null
    }
  }

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

  app.post('/submissions', async (request: FastifyRequest<{ Querystring: Query }>, reply) => {
    const user = userOf(request, reply)
    if (user === null) return reply
    const query = request.query
    const base64 = query.base64_encoded === 'true'
    const fields = requestedFields(query.fields)
    if ('invalid' in fields) return reply.code(400).send({ error: `invalid fields: [${fields.invalid.join(', ')}]` })
    const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, unknown>
    let judge0
    try {
      judge0 = judge0Request(body, base64, config)
    } catch (err) {
      if (err instanceof Judge0ValidationError) return reply.code(422).send(err.errors)
      throw err
    }
    let input
    try {
      input = jobInput(jobRequestOf(judge0, config), config, pool.versions)
    } catch (err) {
      // What our checks refuse that Judge0's let through (an argument too long, say): a 422 as Judge0 writes it.
      if (isClientError(err)) return reply.code(422).send({ base: [err.message] })
      throw err
    }
    const record: Kept = { token: '', request: judge0, createdAt: new Date().toISOString(), userId: user }
    let finished: (answer: ExecutionAnswer) => void = () => {}
    const done = new Promise<ExecutionAnswer>((resolve) => { finished = resolve })
    let view
    try {
      // Without keys each submission counts as a user of its own: Judge0 has no users, only its queue.
      view = submissions.submit(user ?? `judge0:${randomBytes(9).toString('base64url')}`, input, {
        watcher: (event) => {
          if (event.type !== 'done') return
          record.finishedAt = new Date().toISOString()
          finished(event.result as ExecutionAnswer)
        }
      })
    } catch (err) {
      if (isClientError(err) || (err as { statusCode?: number }).statusCode === 503) return reply.code(503).send({ error: 'queue is full' })
      throw err
    }
    record.token = view.id
    remember(record)
    if (query.wait !== 'true') return reply.code(201).send({ token: record.token })
    const answer = await done
    return reply.code(201).send(judge0View({ ...record, state: 'done', answer }, fields.fields, base64, pool.versions))
  })

  app.get('/submissions/:token', async (request: FastifyRequest<{ Params: { token: string }, Querystring: Query }>, reply) => {
    const user = userOf(request, reply)
    if (user === null) return reply
    const fields = requestedFields(request.query.fields)
    if ('invalid' in fields) return reply.code(400).send({ error: `invalid fields: [${fields.invalid.join(', ')}]` })
    const record = records.get(request.params.token)
    const view = record && (user === undefined || record.userId === user) ? await submissions.get(record.token, record.userId) : undefined
    if (!record || !view) return reply.code(404).send({ error: 'Not Found' })
    const result: SubmissionResult | undefined = view.result
    const current: Judge0Record = { ...record, state: view.state, answer: result as ExecutionAnswer | undefined }
    return judge0View(current, fields.fields, request.query.base64_encoded === 'true', pool.versions)
  })
}
