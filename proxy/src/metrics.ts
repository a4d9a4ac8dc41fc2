import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import {
  QueueFullError, QueueTimeoutError, QueueUnavailableError, ShuttingDownError, SubmissionQueueFullError, UserQueueFullError
} from './errors'
import type { StartFailureReason } from './pool/docker-provider'
import type { RemovalReason } from './pool/provider'

/** What the pool exposes to metrics, read at scrape time. */
export interface PoolReadings {
  readonly available: number
  readonly borrowed: number
  readonly starting: number
  readonly pending: number
  readonly min: number
  readonly max: number
  readonly maxRunning: number
  readonly running: number
  readonly maxInteractive: number
  readonly interactive: number
}

/** What the pool and its provider report as it happens. */
export interface PoolObserver {
  runnerStarted (seconds: number): void
  runnerStartFailed (reason: StartFailureReason): void
  runnerRemoved (reason: RemovalReason): void
}

export type RejectionReason = 'queue_full' | 'queue_timeout' | 'shutting_down' | 'user_cap' | 'submissions_full' | 'queue_unavailable'
const REJECTION_REASONS: RejectionReason[] = ['queue_full', 'queue_timeout', 'shutting_down', 'user_cap', 'submissions_full', 'queue_unavailable']

/** The reason a refusal is counted under; undefined for an error that is not a refusal. */
export function rejectionReason (err: unknown): RejectionReason | undefined {
  if (err instanceof QueueFullError) return 'queue_full'
  if (err instanceof QueueTimeoutError) return 'queue_timeout'
  if (err instanceof ShuttingDownError) return 'shutting_down'
  if (err instanceof UserQueueFullError) return 'user_cap'
  if (err instanceof SubmissionQueueFullError) return 'submissions_full'
  if (err instanceof QueueUnavailableError) return 'queue_unavailable'
  return undefined
}

/** What a shared queue exposes to metrics, read at scrape time: the cluster's depth, this node's part. */
export interface ClusterReadings {
  readonly depth: { waiting: number, active: number, delayed: number, failed: number }
  readonly runningHere: number
  readonly available: boolean
}

/** What the submission queue exposes to metrics, read at scrape time. */
export interface SubmissionReadings {
  readonly queued: number
  readonly running: number
}
const REMOVAL_REASONS: RemovalReason[] = ['max_uses', 'unclean', 'outgrown', 'crashed', 'timed_out', 'shutdown']
const START_FAILURE_REASONS: StartFailureReason[] = ['image_missing', 'engine_unavailable', 'start_timeout', 'other']

const PREFIX = 'codeexec_'
// Millisecond resolution where a warm pool lives, seconds where compiles and timeouts do.
const DURATION_BUCKETS = [0.002, 0.005, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
const WAIT_BUCKETS = [0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

/** One registry per app instance (never prom-client's global one), with every metric of the proxy. */
export class Metrics implements PoolObserver {
  readonly registry = new Registry()
  private pool?: PoolReadings

  readonly waitSeconds = new Histogram({
    name: `${PREFIX}queue_wait_seconds`,
    help: 'Time a request waited for a free runner.',
    buckets: WAIT_BUCKETS,
    registers: [this.registry]
  })

  readonly rejected = new Counter({
    name: `${PREFIX}requests_rejected_total`,
    help: 'Requests refused without a runner: the queue was full, the wait timed out, or the proxy was shutting down.',
    labelNames: ['reason'] as const,
    registers: [this.registry]
  })

  readonly executions = new Counter({
    name: `${PREFIX}executions_total`,
    help: 'Jobs run, by language and result status.',
    labelNames: ['language', 'status'] as const,
    registers: [this.registry]
  })

  readonly executionSeconds = new Histogram({
    name: `${PREFIX}execution_duration_seconds`,
    help: 'Time from handing a job to a runner to its answer, by language.',
    labelNames: ['language'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry]
  })

  readonly runnerStarts = new Counter({
    name: `${PREFIX}runner_starts_total`,
    help: 'Runner containers started, by result (success, failure).',
    labelNames: ['result'] as const,
    registers: [this.registry]
  })

  readonly runnerStartFailures = new Counter({
    name: `${PREFIX}runner_start_failures_total`,
    help: 'Runner starts that failed, by reason (image_missing, engine_unavailable, start_timeout, other); starts back off while they fail.',
    labelNames: ['reason'] as const,
    registers: [this.registry]
  })

  readonly runnerStartSeconds = new Histogram({
    name: `${PREFIX}runner_start_duration_seconds`,
    help: 'Time from creating a runner container to its first healthy answer.',
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [this.registry]
  })

  readonly runnerRemovals = new Counter({
    name: `${PREFIX}runner_removals_total`,
    // A runner that never started is not removed from the pool: runner_start_failures_total counts it.
    help: `Runners removed from the pool, by reason (${REMOVAL_REASONS.join(', ')}).`,
    labelNames: ['reason'] as const,
    registers: [this.registry]
  })

  readonly submissionWaitSeconds = new Histogram({
    name: `${PREFIX}submission_wait_seconds`,
    help: 'Time from a submission to a runner taking it.',
    buckets: WAIT_BUCKETS,
    registers: [this.registry]
  })

  readonly submissionSeconds = new Histogram({
    name: `${PREFIX}submission_duration_seconds`,
    help: 'Time from a submission to its result.',
    buckets: DURATION_BUCKETS,
    registers: [this.registry]
  })

  readonly websocketConnections = new Gauge({
    name: `${PREFIX}websocket_connections`,
    help: 'WebSocket connections open now.',
    registers: [this.registry]
  })

  readonly websocketsDropped = new Counter({
    name: `${PREFIX}websockets_dropped_total`,
    help: 'WebSockets closed because their client stopped reading and their unsent events passed the cap.',
    registers: [this.registry]
  })

  private submissions?: SubmissionReadings
  private cluster?: ClusterReadings

  readonly queuePickupSeconds = new Histogram({
    name: `${PREFIX}cluster_pickup_seconds`,
    help: 'With a shared queue: time from a submission queued (on any node) to this node taking it.',
    buckets: WAIT_BUCKETS,
    registers: [this.registry]
  })

  readonly queueJobsEnded = new Counter({
    name: `${PREFIX}cluster_jobs_total`,
    help: 'With a shared queue: jobs this node took, by outcome ' +
      '(finished; duplicate: done already; retried: its node was lost; deferred: its user at the cap).',
    labelNames: ['outcome'] as const,
    registers: [this.registry]
  })

  readonly upstreamErrors = new Counter({
    name: `${PREFIX}upstream_errors_total`,
    help: 'Errors talking to runner agents, by error code.',
    labelNames: ['code'] as const,
    registers: [this.registry]
  })

  readonly engineErrors = new Counter({
    name: `${PREFIX}engine_errors_total`,
    help: 'Docker engine operations on a live runner that failed by the engine\'s fault (the runner was kept), by operation.',
    labelNames: ['operation'] as const,
    registers: [this.registry]
  })

  constructor ({ defaultMetrics = true }: { defaultMetrics?: boolean } = {}) {
    const readings = () => this.pool
    new Gauge({
      name: `${PREFIX}runners`,
      help: 'Runners in the pool by state: idle, busy, starting.',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect () {
        const pool = readings()
        if (!pool) return
        this.set({ state: 'idle' }, pool.available)
        this.set({ state: 'busy' }, pool.borrowed)
        this.set({ state: 'starting' }, pool.starting)
      }
    })
    const poolGauge = (name: string, help: string, read: (pool: PoolReadings) => number) => new Gauge({
      name: `${PREFIX}${name}`,
      help,
      registers: [this.registry],
      collect () { const pool = readings(); if (pool) this.set(read(pool)) }
    })
    const submissions = () => this.submissions
    new Gauge({
      name: `${PREFIX}submissions`,
      help: 'Submissions by state: queued (waiting for a runner), running.',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect () {
        const queue = submissions()
        this.set({ state: 'queued' }, queue?.queued ?? 0)
        this.set({ state: 'running' }, queue?.running ?? 0)
      }
    })
    const cluster = () => this.cluster
    new Gauge({
      name: `${PREFIX}cluster_queue_jobs`,
      help: 'With a shared queue: jobs of the whole cluster by BullMQ state (waiting, active, delayed, failed), read every second.',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect () {
        const readings = cluster()
        if (!readings) return
        for (const [state, count] of Object.entries(readings.depth)) this.set({ state }, count)
      }
    })
    new Gauge({
      name: `${PREFIX}cluster_node_jobs_running`,
      help: 'With a shared queue: jobs of the queue running on this node now.',
      registers: [this.registry],
      collect () { const readings = cluster(); if (readings) this.set(readings.runningHere) }
    })
    new Gauge({
      name: `${PREFIX}cluster_redis_up`,
      help: 'With a shared queue: 1 while this node reaches Redis, else 0 (asynchronous requests are then 503).',
      registers: [this.registry],
      collect () { const readings = cluster(); if (readings) this.set(readings.available ? 1 : 0) }
    })
    poolGauge('pool_min_runners', 'Runners the pool keeps at least.', (pool) => pool.min)
    poolGauge('pool_max_runners', 'Runners the pool has at most: its capacity.', (pool) => pool.max)
    poolGauge('requests_waiting', 'Jobs waiting for a CPU slot, an interactive seat or a runner now.', (pool) => pool.pending)
    poolGauge('cpu_slots', 'Batch jobs that may run at once (pool.maxRunning).', (pool) => pool.maxRunning)
    poolGauge('jobs_running', 'Batch jobs holding a CPU slot now.', (pool) => pool.running)
    poolGauge('interactive_seats', 'Interactive sessions that may be open at once (pool.maxInteractive).', (pool) => pool.maxInteractive)
    poolGauge('interactive_sessions', 'Interactive sessions holding a seat now.', (pool) => pool.interactive)
    if (defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: PREFIX })
    // Known label values start at zero, so that rates and dashboards have a series before the first event.
    for (const reason of REJECTION_REASONS) this.rejected.inc({ reason }, 0)
    this.engineErrors.inc({ operation: 'update' }, 0)
    for (const reason of REMOVAL_REASONS) this.runnerRemovals.inc({ reason }, 0)
    for (const reason of START_FAILURE_REASONS) this.runnerStartFailures.inc({ reason }, 0)
    for (const result of ['success', 'failure']) this.runnerStarts.inc({ result }, 0)
  }

  /** The gauges read this pool's getters at every scrape. */
  observePool (pool: PoolReadings): void {
    this.pool = pool
  }

  /** The shared queue's gauges read it at every scrape. */
  observeQueue (cluster: ClusterReadings): void {
    this.cluster = cluster
  }

  /** The submission gauges read this queue at every scrape. */
  observeSubmissions (queue: SubmissionReadings): void {
    this.submissions = queue
  }

  runnerStarted (seconds: number): void {
    this.runnerStarts.inc({ result: 'success' })
    this.runnerStartSeconds.observe(seconds)
  }

  runnerStartFailed (reason: StartFailureReason): void {
    this.runnerStarts.inc({ result: 'failure' })
    this.runnerStartFailures.inc({ reason })
  }

  runnerRemoved (reason: RemovalReason): void {
    this.runnerRemovals.inc({ reason })
  }
}
