import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import { DelayedError, Queue, Worker, type Job } from 'bullmq'
import { Redis } from 'ioredis'
import type { Config } from '../../config'
import {
  ApiError, NotCancellableError, QueueUnavailableError, ShuttingDownError, SubmissionQueueFullError, UserQueueFullError
} from '../../errors'
import { CANCELLED, type ExecutionInput } from '../../execution'
import { StopRequest } from '../../stop-request'
import type {
  CancelOutcome, JobRunner, SubmissionListener, SubmissionObserver, SubmissionQueue, SubmissionResult, SubmissionView, SubmitOptions
} from '../queue'
import type { Submissions } from '../submissions'
import { EventChannel, type PublishedEvent } from './event-channel'
import { inputOf, jobDataOf, type JobData } from './job-data'
import { ClusterScripts, keysOf, type Keys } from './redis-scripts'

/** Job counts of the whole cluster's queue, by BullMQ state, as last read. */
export interface QueueCounts { waiting: number, active: number, delayed: number, failed: number }

/** What the cluster tells metrics: the queue's depth, and what this node did. */
export interface ClusterObserver {
  /** A job taken by this node: how long it waited since it was queued (the queue's hop, and any wait for a slot). */
  taken (seconds: number): void
  /** A job this node ended: finished here, found done already (delivered twice), run again after its node was lost, or put back (user at the cap). */
  ended (outcome: 'finished' | 'duplicate' | 'retried' | 'deferred'): void
}

export interface ClusterOptions {
  config: Config
  run: JobRunner
  /** The result of a submission that could not run: its input's kind's. */
  failed: (input: ExecutionInput | undefined, language: string, message: string, status?: 'cancelled') => SubmissionResult
  /** Interactive submissions stay on the node that holds their socket: they run in this one. */
  local: SubmissionQueue
  concurrency: number
  observer?: SubmissionObserver & ClusterObserver
  log: { warn: (object: object, message: string) => void, info: (object: object, message: string) => void }
}

/**
 * Submissions shared by every proxy over one Redis (queue.redisUrl): each is a BullMQ job that any proxy
 * with a free slot takes, its events published to its user's channel, its result kept in Redis for
 * keepFinishedMs. The caps hold across the cluster (redis-scripts.ts). Delivery is at least once: a job
 * whose node is lost runs again elsewhere (a `retry` event), and only its first result is kept.
 */
export class ClusterSubmissions implements Submissions {
  readonly node = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`
  private readonly keys: Keys
  private readonly commands: Redis
  private readonly subscriber: Redis
  /** The worker's own: BullMQ leaves a connection it was given open when it closes. */
  private readonly workerConnection: Redis
  private readonly scripts: ClusterScripts
  private readonly events: EventChannel
  private readonly queue: Queue<JobData>
  private readonly worker: Worker<JobData>
  /** Submissions running on this node: their leases are renewed while they run; a cancel reaches only these. */
  private readonly leases = new Map<string, { id: string, user: string, stop: StopRequest }>()
  /** Submissions made here, and when: Judge0's views kept here are dropped after them. */
  private readonly madeHere = new Map<string, number>()
  private counts: QueueCounts = { waiting: 0, active: 0, delayed: 0, failed: 0 }
  private readonly timers: NodeJS.Timeout[] = []
  private closed = false

  constructor (private readonly options: ClusterOptions) {
    const { config, log } = options
    const { redisUrl, name, lockMs, stalledIntervalMs, maxStalledCount } = config.queue
    this.keys = keysOf(name)
    // Commands fail at once while Redis is away (a 503), rather than wait in a buffer.
    this.commands = new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: retryDelay })
    this.subscriber = new Redis(redisUrl, { maxRetriesPerRequest: null, retryStrategy: retryDelay })
    for (const client of [this.commands, this.subscriber]) client.on('error', warnOnce(log, 'redis'))
    this.scripts = new ClusterScripts(this.commands, this.keys)
    this.events = new EventChannel(this.subscriber, this.keys, (id) => this.resultOf(id), log)
    this.queue = new Queue<JobData>(name, { connection: this.commands, prefix: name })
    this.queue.on('error', warnOnce(log, 'queue'))
    this.workerConnection = new Redis(redisUrl, { maxRetriesPerRequest: null, retryStrategy: retryDelay })
    this.workerConnection.on('error', warnOnce(log, 'redis'))
    this.worker = new Worker<JobData>(name, (job, token) => this.process(job, token), {
      connection: this.workerConnection,
      prefix: name,
      concurrency: options.concurrency,
      lockDuration: lockMs,
      stalledInterval: stalledIntervalMs,
      maxStalledCount,
      // Results are kept beside the queue; failed jobs stay as long, for operators to look at.
      removeOnComplete: { count: 0 },
      removeOnFail: { age: Math.ceil(config.submissions.keepFinishedMs / 1000) },
      name: this.node
    })
    this.worker.on('error', warnOnce(log, 'worker'))
    this.worker.on('failed', (job, err) => { if (job && !isDelay(err)) void this.failedJob(job, err) })
    this.timers.push(setInterval(() => { void this.scripts.renew(this.leases.values(), lockMs).catch(() => {}) }, Math.max(200, lockMs / 3)))
    this.timers.push(setInterval(() => { void this.readCounts() }, 1000))
    for (const timer of this.timers) timer.unref()
  }

  async submit (userId: string, input: ExecutionInput, options: SubmitOptions = {}): Promise<SubmissionView> {
    if (options.relay) return await this.options.local.submit(userId, input, options)
    if (this.closed) return this.refuse(new ShuttingDownError())
    if (!this.available) return this.refuse(new QueueUnavailableError('not connected'))
    const id = randomBytes(16).toString('base64url')
    try {
      // Subscribed before the job exists, so that no event of it is missed.
      if (options.watcher) await this.events.watch(id, userId, options.watcher)
      const meta = options.meta ? JSON.stringify(options.meta(id)) : ''
      const [position, first, second] = await this.scripts.admit(id, userId, this.options.config.submissions, meta)
      if (position === -1) throw new UserQueueFullError(JSON.stringify(userId), `${first} submissions running and ${second} queued`)
      if (position === -2) throw new SubmissionQueueFullError(first)
      // Published before the job is added: `queued` is in the channel before any node can take the job.
      await this.publish(userId, { type: 'queued', id, position })
      try {
        await this.queue.add('submission', jobDataOf(id, userId, input), { jobId: id })
      } catch (err) {
        await this.scripts.forget(id, userId).catch(() => {})
        throw err
      }
      this.madeHere.set(id, Date.now())
      return { id, state: 'queued', position }
    } catch (err) {
      this.events.unwatch(id)
      return this.refuse(err instanceof ApiError ? err : new QueueUnavailableError((err as Error).message))
    }
  }

  /**
   * Cancels a submission this node runs (or an interactive one, which runs here): the shared queue has no
   * way yet to reach a job waiting in Redis or running on another node, and says so (409).
   */
  async cancel (id: string, userId?: string): Promise<CancelOutcome> {
    if (this.options.local.knows(id)) return await this.options.local.cancel(id, userId)
    const lease = this.leases.get(id)
    if (lease && (userId === undefined || lease.user === userId)) {
      lease.stop.request()
      return 'cancelled'
    }
    // Its state only: a finished one's result (up to megabytes) is not read to learn that it is done.
    let state: string | null
    let user: string | null
    try {
      [state, user] = await this.commands.hmget(this.keys.submission(id), 'state', 'user')
    } catch (err) {
      throw new QueueUnavailableError((err as Error).message)
    }
    if (!state || (userId !== undefined && user !== userId)) return 'unknown'
    if (state === 'done') return 'done'
    throw new NotCancellableError(JSON.stringify(id), state === 'queued' ? 'still waiting in the shared queue' : 'running on another proxy')
  }

  private refuse (err: Error): never {
    this.options.observer?.refused(err)
    throw err
  }

  async get (id: string, userId?: string): Promise<SubmissionView | undefined> {
    if (this.options.local.knows(id)) return await this.options.local.get(id, userId)
    try {
      const record = await this.commands.hgetall(this.keys.submission(id))
      if (!record.state || (userId !== undefined && record.user !== userId)) return undefined
      const meta = record.meta ? JSON.parse(record.meta) as unknown : undefined
      const extra = meta === undefined ? {} : { meta }
      if (record.state === 'queued') {
        const rank = await this.commands.zrank(this.keys.queued, id)
        return { id, state: 'queued', position: (rank ?? 0) + 1, ...extra }
      }
      if (record.state === 'running') return { id, state: 'running', ...extra }
      const result = await this.resultOf(id)
      return result && { id, state: 'done', result, finishedAt: record.finishedAt, ...extra }
    } catch (err) {
      throw new QueueUnavailableError((err as Error).message)
    }
  }

  knows (id: string): boolean {
    const keepMs = this.options.config.submissions.keepFinishedMs
    for (const [made, at] of this.madeHere) {
      if (Date.now() - at <= keepMs) break
      this.madeHere.delete(made)
    }
    return this.options.local.knows(id) || this.madeHere.has(id)
  }

  subscribe (userId: string, listener: SubmissionListener): () => void {
    const fromLocal = this.options.local.subscribe(userId, listener)
    const fromCluster = this.events.listen(userId, listener)
    return () => {
      fromLocal()
      fromCluster()
    }
  }

  get queued (): number { return this.counts.waiting + this.counts.delayed + this.options.local.queued }
  get running (): number { return this.counts.active + this.options.local.running }
  get available (): boolean { return !this.closed && this.commands.status === 'ready' }
  /** The cluster's queue by state, as last read (every second), and what runs on this node. */
  get depth (): QueueCounts { return this.counts }
  get runningHere (): number { return this.leases.size }

  async close (): Promise<void> {
    this.closed = true
    await this.options.local.close()
    // The jobs running here finish and are kept; none is taken any more. A Redis that is away does not hold shutdown past a lock.
    await Promise.race([this.worker.close(), new Promise((resolve) => setTimeout(resolve, this.options.config.queue.lockMs).unref())])
  }

  async dispose (): Promise<void> {
    for (const timer of this.timers) clearInterval(timer)
    await this.options.local.dispose()
    await this.queue.close().catch(() => {})
    this.subscriber.disconnect()
    this.workerConnection.disconnect()
    this.commands.disconnect()
  }

  private async resultOf (id: string): Promise<SubmissionResult | undefined> {
    const text = await this.commands.get(this.keys.result(id))
    return text === null ? undefined : JSON.parse(text) as SubmissionResult
  }

  private async publish (user: string, event: PublishedEvent): Promise<void> {
    await this.commands.publish(this.keys.events(user), JSON.stringify(event))
  }

  /** Output is published as it comes; one that cannot be (Redis away) is lost, the result is not. */
  private tell (user: string, event: PublishedEvent): void {
    this.publish(user, event).catch(() => {})
  }

  private async process (job: Job<JobData>, token?: string): Promise<void> {
    const { id, userId, queuedAt } = job.data
    const { config, run, observer } = this.options
    // Redis away is not the job's failure: the claim waits for it (the job's lock may lapse meanwhile, and another node take it).
    const claim = await this.untilRedis(() => this.scripts.claim(id, userId, config.queue.lockMs, config.submissions.maxRunningPerUser, this.node))
    if (claim === 'done') {
      observer?.ended('duplicate')
      return
    }
    if (claim === 'busy') {
      // Its user has maxRunningPerUser running: back to the queue for a moment, not counted as a try.
      observer?.ended('deferred')
      // Not moved (Redis gone again)? It stays active without a lock renewed, and comes back as stalled.
      await job.moveToDelayed(Date.now() + config.queue.userCapRetryMs, token).catch(() => {})
      throw new DelayedError()
    }
    observer?.taken((Date.now() - queuedAt) / 1000)
    if (claim === 'again') {
      observer?.ended('retried')
      this.tell(userId, { type: 'retry', id, attempt: job.stalledCounter + 1 })
    }
    const stop = new StopRequest()
    this.leases.set(id, { id, user: userId, stop })
    try {
      const input = inputOf(job.data)
      let result: SubmissionResult
      if (typeof input === 'string') result = this.options.failed(undefined, job.data.input.language, input)
      else {
        const answer = await run(input, {
          stop,
          onRunning: () => {
            observer?.started((Date.now() - queuedAt) / 1000)
            this.tell(userId, { type: 'running', id })
          },
          onOutput: (stage, stream, data) => this.tell(userId, { type: stream, id, stage, data }),
          onTest: (index, test) => this.tell(userId, { type: 'test', id, index, test })
        }).catch((err: Error) => this.options.failed(input, input.language.name, `the submission could not run: ${err.message}`))
        result = answer ?? (stop.requested
          ? this.options.failed(input, input.language.name, CANCELLED, 'cancelled')
          : this.options.failed(input, input.language.name, 'the submission did not run'))
      }
      await this.finish(id, userId, result)
      observer?.finished((Date.now() - queuedAt) / 1000)
      observer?.ended('finished')
    } finally {
      this.leases.delete(id)
    }
  }

  /** Keeps the result and tells it, once; while Redis is away, tries again until it is back. */
  private async finish (id: string, user: string, result: SubmissionResult): Promise<void> {
    const text = JSON.stringify(result)
    const done = JSON.stringify({ type: 'done', id })
    await this.untilRedis(() => this.scripts.finish(id, user, text, this.options.config.submissions.keepFinishedMs, done))
  }

  /** `step`, tried again while Redis is away (backing off to every 2 s), until it is done or this node closes its connections. */
  private async untilRedis<T> (step: () => Promise<T>): Promise<T> {
    for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
      try {
        return await step()
      } catch (err) {
        // Connected, the failure is the step's own: not for trying again.
        if (this.commands.status === 'ready' || this.commands.status === 'end') throw err
        await new Promise((resolve) => setTimeout(resolve, delay))
      }
    }
  }

  /** A job BullMQ failed (its node lost more often than maxStalledCount allows): an internal_error, kept once. */
  private async failedJob (job: Job<JobData>, err: Error): Promise<void> {
    const input = inputOf(job.data)
    const result = this.options.failed(typeof input === 'string' ? undefined : input, job.data.input.language,
      `the submission could not run: ${err.message}`)
    await this.finish(job.data.id, job.data.userId, result).catch((error: unknown) => {
      this.options.log.warn({ err: error, id: job.data.id }, 'a failed submission\'s result could not be kept')
    })
  }

  private async readCounts (): Promise<void> {
    try {
      const counts = await this.queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed')
      this.counts = {
        waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
        active: counts.active ?? 0,
        delayed: counts.delayed ?? 0,
        failed: counts.failed ?? 0
      }
    } catch {
      // Kept as last read while Redis is away; /readyz says so.
    }
  }
}

function isDelay (err: Error): boolean {
  return err instanceof DelayedError || err.name === 'DelayedError'
}

/** Reconnects quickly at first, then every 2 s, for ever: Redis coming back is expected. */
function retryDelay (times: number): number {
  return Math.min(times * 100, 2000)
}

/** Logs a connection's errors, once each until it is ready again, not once per retry. */
function warnOnce (log: { warn: (object: object, message: string) => void }, what: string) {
  let last = ''
  let at = 0
  return (err: Error) => {
    if (err.message === last && Date.now() - at < 30000) return
    last = err.message
    at = Date.now()
    log.warn({ err: { message: err.message } }, `${what}: the Redis connection failed; retrying`)
  }
}
