import { randomBytes } from 'node:crypto'
import type { TestReport } from '../../../runner/src/contract/job'
import { CANCELLED, type ExecutionAnswer, type ExecutionInput } from '../execution'
import type { JudgeAnswer } from '../judge-answer'
import type { InputRelay } from '../../../runner/src/contract/input-relay'
import type { OutputHandler } from '../pool/runner'
import { ShuttingDownError, SubmissionQueueFullError, UserQueueFullError } from '../errors'
import { StopRequest } from '../stop-request'
import { ResultStore } from './result-store'
import type { Submissions } from './submissions'

export type SubmissionState = 'queued' | 'running' | 'done'

/** What GET /api/v1/submissions/:id answers. */
export interface SubmissionView {
  id: string
  state: SubmissionState
  /** 1 + how many queued submissions (of every user) were submitted before this one; only while queued. */
  position?: number
  result?: SubmissionResult
  /** When it finished, ISO 8601. */
  finishedAt?: string
  /** What its maker kept beside it (SubmitOptions.meta), where the maker's node does not hold it. */
  meta?: unknown
}

/** A submission's result: what /api/v1/execute answers, or /api/v1/judge for one with tests. */
export type SubmissionResult = ExecutionAnswer | JudgeAnswer

/** What a user's WebSockets receive about their submissions, in order: output as the program writes it. */
export type SubmissionEvent =
  | { type: 'queued', id: string, position: number }
  | { type: 'running', id: string }
  /** The node running it was lost: it is queued again and runs from the start (at least once: README). */
  | { type: 'retry', id: string, attempt: number }
  | { type: 'stdout' | 'stderr', id: string, stage: 'compile' | 'run', data: string }
  | { type: 'test', id: string, index: number, test: TestReport }
  | { type: 'done', id: string, result: SubmissionResult }

export interface SubmissionLimits {
  /** Submissions queued (not yet on a runner), every user together. */
  maxQueued: number
  /** Submissions of one user on a runner, or waiting for one in the pool, at once. */
  maxRunningPerUser: number
  /** Submissions of one user queued behind those. */
  maxQueuedPerUser: number
  /** How long a finished submission is kept for GET, and how many at most. */
  keepFinishedMs: number
  maxFinished: number
  /** Where finished results are kept: memory within a budget, then spill files (result-store.ts). */
  maxFinishedBytes?: number
  maxSpilledBytes?: number
  spillDir?: string
}

/** The answer of a submission that never reached a runner: an internal_error, or one cancelled by its maker. */
export function notRun (language: string, message: string, status: 'internal_error' | 'cancelled' = 'internal_error'): ExecutionAnswer {
  return { language, version: '', status, compile: null, run: null, message, timing: { queueMs: 0, runnerMs: 0, totalMs: 0 } }
}

/** What cancel did: stopped it (it was queued or running), nothing (it was done), or it is unknown here. */
export type CancelOutcome = 'cancelled' | 'done' | 'unknown'

interface Submission {
  id: string
  userId: string
  state: SubmissionState
  seq: number
  submittedAt: number
  finishedAt?: number
  input?: ExecutionInput
  /** An interactive submission's input while it runs. */
  relay?: InputRelay
  /** Its maker may cancel it until it is done. */
  stop: StopRequest
  /** Hears this submission's events besides its user's subscribers: the WebSocket that made it. */
  watcher?: SubmissionListener
}

export type SubmissionListener = (event: SubmissionEvent) => void

/** How a submission is made besides its job: interactive with a relay, watched by its maker. */
export interface SubmitOptions {
  relay?: InputRelay
  watcher?: SubmissionListener
  /** What the maker keeps beside the submission for its own views, by id: kept by a shared queue only. */
  meta?: (id: string) => unknown
}

/**
 * Runs a submission's job, telling its output as it comes, interactively when it has a `relay`; resolves
 * with its answer (null only if it never ran).
 */
export type JobRunner = (input: ExecutionInput, handlers: JobHandlers, relay?: InputRelay) => Promise<SubmissionResult | null>

/** What a running submission tells its queue. */
export interface JobHandlers {
  onRunning: () => void
  onOutput: OutputHandler
  onTest: (index: number, test: TestReport) => void
  /** Asked when the submission is cancelled: its job then never runs, or is stopped by its runner. */
  stop?: StopRequest
}

export interface SubmissionObserver {
  started (waitSeconds: number): void
  finished (totalSeconds: number): void
  /** A submission refused: the error it was refused with. */
  refused (err: Error): void
}

/**
 * The submission queue: bounded as a whole and per user. A user's submissions go to the pool a few at a
 * time (maxRunningPerUser), where they wait in the same FIFO as synchronous executes; the rest wait here,
 * so one user cannot fill the pool's queue. Finished submissions are kept for a while, then forgotten.
 * Everything lives in this process: a restart loses it.
 */
export class SubmissionQueue implements Submissions {
  private readonly submissions = new Map<string, Submission>()
  private readonly waiting = new Map<string, Submission[]>()
  private readonly active = new Map<string, number>()
  private readonly finished: string[] = []
  private readonly listeners = new Map<string, Set<SubmissionListener>>()
  /** The seq of every queued submission (not yet on a runner), ascending: a position is a binary search. */
  private readonly queuedSeqs: number[] = []
  private runningCount = 0
  private seq = 0
  private closed = false
  private readonly sweeper: NodeJS.Timeout
  /** Finished submissions' results. */
  private readonly results: ResultStore

  constructor (
    private readonly limits: SubmissionLimits,
    private readonly run: JobRunner,
    private readonly observer?: SubmissionObserver,
    /** The result of a submission that never ran: its input's kind's (a judge's answer for one with tests). */
    private readonly failed: (input: ExecutionInput, message: string, status?: 'cancelled') => SubmissionResult =
    (input, message, status) => notRun(input.language.name, message, status)
  ) {
    this.results = new ResultStore({
      maxFinishedBytes: limits.maxFinishedBytes ?? 256 * 1024 * 1024,
      maxSpilledBytes: limits.maxSpilledBytes ?? 4 * 1024 * 1024 * 1024,
      spillDir: limits.spillDir ?? ''
    }, (id) => this.submissions.delete(id))
    this.sweeper = setInterval(() => this.forgetExpired(), Math.min(limits.keepFinishedMs, 60000))
    this.sweeper.unref()
  }

  /**
   * Queues a job for `userId`, interactive with `relay`. Refused (a 429, or a 503 once closed) when a cap
   * is reached; a refused relay is closed, so that its client is never left paused.
   */
  async submit (userId: string, input: ExecutionInput, options: SubmitOptions = {}): Promise<SubmissionView> {
    return this.submitNow(userId, input, options)
  }

  /** submit, at once: throws rather than rejects. */
  submitNow (userId: string, input: ExecutionInput, { relay, watcher }: SubmitOptions = {}): SubmissionView {
    const refusal = this.refusal(userId)
    if (refusal) {
      relay?.close()
      this.observer?.refused(refusal)
      throw refusal
    }
    const line = this.waiting.get(userId) ?? []
    const canStart = (this.active.get(userId) ?? 0) < this.limits.maxRunningPerUser
    const submission: Submission = {
      id: randomBytes(16).toString('base64url'),
      userId,
      state: 'queued',
      seq: ++this.seq,
      submittedAt: performance.now(),
      input,
      relay,
      watcher,
      stop: new StopRequest()
    }
    this.submissions.set(submission.id, submission)
    this.queuedSeqs.push(submission.seq)
    const position = this.positionOf(submission)
    this.emit(submission, { type: 'queued', id: submission.id, position })
    if (canStart) this.start(submission)
    else {
      line.push(submission)
      this.waiting.set(userId, line)
    }
    return { id: submission.id, state: 'queued', position }
  }

  private refusal (userId: string): Error | undefined {
    if (this.closed) return new ShuttingDownError()
    const waiting = this.waiting.get(userId)?.length ?? 0
    if ((this.active.get(userId) ?? 0) >= this.limits.maxRunningPerUser && waiting >= this.limits.maxQueuedPerUser) {
      return new UserQueueFullError(JSON.stringify(userId), `${this.limits.maxRunningPerUser} submissions running and ${waiting} queued`)
    }
    if (this.queuedSeqs.length >= this.limits.maxQueued) return new SubmissionQueueFullError(this.queuedSeqs.length)
    return undefined
  }

  /** The submission as its user may see it; undefined when unknown, forgotten, or another user's. */
  async get (id: string, userId?: string): Promise<SubmissionView | undefined> {
    const submission = this.submissions.get(id)
    if (!submission || (userId !== undefined && submission.userId !== userId)) return undefined
    if (submission.state === 'queued') return { id, state: 'queued', position: this.positionOf(submission) }
    if (submission.state === 'running') return { id, state: 'running' }
    const result = await this.results.read(id)
    return result && { id, state: 'done', result, finishedAt: new Date(submission.finishedAt!).toISOString() }
  }

  /**
   * Cancels a submission: one queued never runs and is done at once, one running is stopped by its runner;
   * either way its result's status (a judge's verdict) is `cancelled`. One done already is left as it is;
   * another user's is unknown.
   */
  async cancel (id: string, userId?: string): Promise<CancelOutcome> {
    const submission = this.submissions.get(id)
    if (!submission || (userId !== undefined && submission.userId !== userId)) return 'unknown'
    if (submission.state === 'done') return 'done'
    submission.stop.request()
    if (submission.state === 'queued') {
      // In its user's line, or handed to the pool and waiting for a runner (which it will give back unused).
      const line = this.waiting.get(submission.userId)
      const index = line?.indexOf(submission) ?? -1
      if (index >= 0) {
        submission.relay?.close()
        line!.splice(index, 1)
        if (line!.length === 0) this.waiting.delete(submission.userId)
      }
      this.dequeue(submission)
      this.finish(submission, this.failed(submission.input!, CANCELLED, 'cancelled'))
    }
    return 'cancelled'
  }

  /** Whether the submission is still known: queued, running, or finished and not yet forgotten. */
  knows (id: string): boolean {
    return this.submissions.has(id)
  }

  /** Bytes of finished results held in memory now, and in spill files. */
  get finishedBytes (): { held: number, spilled: number } {
    return { held: this.results.heldBytes, spilled: this.results.spilledBytes }
  }

  /** Every event of `userId`'s submissions from now on, until the returned function is called. */
  subscribe (userId: string, listener: SubmissionListener): () => void {
    const set = this.listeners.get(userId) ?? new Set()
    set.add(listener)
    this.listeners.set(userId, set)
    return () => {
      set.delete(listener)
      if (set.size === 0) this.listeners.delete(userId)
    }
  }

  get queued (): number { return this.queuedSeqs.length }
  get running (): number { return this.runningCount }
  get available (): boolean { return !this.closed }

  /** Takes no more submissions; those queued here end as internal errors, those on the pool finish. */
  async close (): Promise<void> {
    this.closed = true
    clearInterval(this.sweeper)
    for (const line of this.waiting.values()) {
      for (const submission of line) {
        this.dequeue(submission)
        this.finish(submission, this.failed(submission.input!, 'the service shut down before this submission ran'))
      }
    }
    this.waiting.clear()
  }

  /** Forgets every result, and removes the spill files: once nothing runs or reads any more. */
  async dispose (): Promise<void> {
    this.results.close()
  }

  /** 1 + how many queued submissions came before this queued one. */
  private positionOf (submission: Submission): number {
    return this.seqIndex(submission.seq) + 1
  }

  /** Where `seq` is, or would go, in queuedSeqs. */
  private seqIndex (seq: number): number {
    let low = 0
    let high = this.queuedSeqs.length
    while (low < high) {
      const middle = (low + high) >>> 1
      if (this.queuedSeqs[middle] < seq) low = middle + 1
      else high = middle
    }
    return low
  }

  /** The submission is no longer queued: on a runner, or finished without one. */
  private dequeue (submission: Submission): void {
    const index = this.seqIndex(submission.seq)
    if (this.queuedSeqs[index] === submission.seq) this.queuedSeqs.splice(index, 1)
  }

  private start (submission: Submission): void {
    const { userId } = submission
    this.active.set(userId, (this.active.get(userId) ?? 0) + 1)
    // Kept until a runner takes it, for the result of a cancel before that.
    const input = submission.input!
    const relay = submission.relay
    submission.relay = undefined
    const onRunning = () => {
      submission.input = undefined
      submission.state = 'running'
      this.dequeue(submission)
      this.runningCount++
      this.observer?.started((performance.now() - submission.submittedAt) / 1000)
      this.emit(submission, { type: 'running', id: submission.id })
    }
    const onOutput: OutputHandler = (stage, stream, data) => this.emit(submission, { type: stream, id: submission.id, stage, data })
    const onTest = (index: number, test: TestReport) => this.emit(submission, { type: 'test', id: submission.id, index, test })
    this.run(input, { onRunning, onOutput, onTest, stop: submission.stop }, relay).then(
      (answer) => answer ?? this.failed(input, 'the submission did not run'),
      (err: Error) => this.failed(input, `the submission could not run: ${err.message}`)
    ).then((answer) => {
      if (submission.state === 'queued') this.dequeue(submission)
      else if (submission.state === 'running') this.runningCount--
      // Cancelled before a runner took it: done already.
      if (submission.state !== 'done') this.finish(submission, answer)
      const left = (this.active.get(userId) ?? 1) - 1
      if (left > 0) this.active.set(userId, left)
      else this.active.delete(userId)
      const line = this.waiting.get(userId)
      const next = line?.shift()
      if (line && line.length === 0) this.waiting.delete(userId)
      if (next) this.start(next)
    })
  }

  private finish (submission: Submission, result: SubmissionResult): void {
    submission.state = 'done'
    submission.input = undefined
    submission.finishedAt = Date.now()
    this.observer?.finished((performance.now() - submission.submittedAt) / 1000)
    this.results.keep(submission.id, result)
    this.finished.push(submission.id)
    while (this.finished.length > this.limits.maxFinished) this.forget(this.finished.shift()!)
    // Whoever listens now gets the result whole, wherever it is kept.
    this.emit(submission, { type: 'done', id: submission.id, result })
    submission.watcher = undefined
  }

  private forget (id: string): void {
    this.submissions.delete(id)
    this.results.forget(id)
  }

  private forgetExpired (): void {
    const before = Date.now() - this.limits.keepFinishedMs
    while (this.finished.length > 0) {
      const oldest = this.submissions.get(this.finished[0])
      if (oldest && (oldest.finishedAt ?? 0) > before) break
      this.forget(this.finished.shift()!)
    }
  }

  private emit (submission: Submission, event: SubmissionEvent): void {
    submission.watcher?.(event)
    for (const listener of this.listeners.get(submission.userId) ?? []) listener(event)
  }
}
