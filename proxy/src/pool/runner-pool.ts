import { availableParallelism } from 'node:os'
import genericPool, { type Factory, type Options, type Pool } from 'generic-pool'

// generic-pool exports these at run time; its types declare only createPool and Pool.
const { Deque, PriorityQueue, Pool: PoolClass } = genericPool as unknown as {
  Deque: unknown
  PriorityQueue: unknown
  Pool: new (...args: unknown[]) => Pool<Runner>
}
import { QueueFullError, QueueTimeoutError, ShuttingDownError } from '../errors'
import type { Logger } from './docker-provider'
import type { PoolObserver } from '../metrics'
import type { JobOutcome, RemovalReason, RunnerProvider } from './provider'
import { Runner } from './runner'
import { Slots } from './slots'

/** A job that runs to its end by itself, or an interactive session that waits on a person. */
export type JobKind = 'batch' | 'interactive'

export interface AcquireOptions {
  /**
   * Wait as long as it takes, keeping the place in the queue, and never be refused for a full queue:
   * for submissions, whose own queue bounds them (a retry would count a refusal and lose the place).
   */
  patient?: boolean
}

/** The longest a timer may wait: a runner's start waits for a CPU slot for as long as it takes. */
const FOREVER_MS = 2 ** 31 - 1

/**
 * CPU weights (cpu-shares): an interactive session's runner weighs an eighth of a batch job's, so that
 * what a session computes takes little from the batch jobs running on their slots, and nothing when it
 * waits for input.
 */
export const BATCH_CPU_SHARES = 1024
export const INTERACTIVE_CPU_SHARES = 128

export interface RunnerPoolOptions {
  min: number
  max: number
  acquireTimeoutMs: number
  maxWaitingRequests: number
  maxUsesPerRunner: number
  /** Batch jobs running at once (CPU slots); without it, the engine's CPU count. */
  maxRunning?: number
  /** Interactive sessions open at once; they take no CPU slot. Without it, a third of max (at least 1). */
  maxInteractive?: number
  /** How often idle runners are checked for having died. */
  evictionIntervalMs?: number
}

/** Evicts idle runners whose container died; healthy idle runners stay however long they idle. */
class DeadRunnerEvictor {
  evict (_config: unknown, pooled: { obj: Runner }): boolean {
    return pooled.obj.dead
  }
}

/**
 * generic-pool over a RunnerProvider. A runner comes back to the pool only if it proved itself clean and
 * is under its use count; otherwise it is destroyed and the pool creates a replacement off the request path.
 *
 * How many jobs run at once is not how many runners there are: warm runners absorb bursts, hide
 * replacements and hold interactive sessions, but every program running at once shares the same cores,
 * and time spent waiting for one would be charged to its wall clock. So a batch job takes a runner, then
 * waits for one of `maxRunning` CPU slots before it runs (waiting is queue time). An interactive session,
 * which may wait on a person for minutes, takes no slot: it takes one of `maxInteractive` seats, and
 * batch jobs hold at most the other runners, so a backlog of batch jobs never keeps a session waiting
 * for a runner.
 */
export class RunnerPool {
  private readonly pool: Pool<Runner>
  private closing = false
  /** Toolchain versions by language, as the latest runner to start reported them. */
  versions: Record<string, string> = {}
  private readonly options: Required<Omit<RunnerPoolOptions, 'maxRunning' | 'maxInteractive'>> & Pick<RunnerPoolOptions, 'maxRunning'>
  private readonly cpuSlots: Slots
  /** Runners batch jobs may hold at once, waiting for a slot or running: those the seats leave. */
  private readonly batchPlaces: Slots
  private readonly seats: Slots
  /** What kind of job each borrowed runner serves. */
  private readonly held = new Map<Runner, JobKind>()

  constructor (
    private readonly provider: RunnerProvider,
    options: RunnerPoolOptions,
    private readonly log: Logger,
    private readonly observer?: Pick<PoolObserver, 'runnerRemoved'>
  ) {
    this.options = { evictionIntervalMs: 500, ...options }
    this.cpuSlots = new Slots(options.maxRunning ?? availableParallelism())
    this.seats = new Slots(options.maxInteractive ?? Math.max(1, Math.floor(options.max / 3)))
    this.batchPlaces = new Slots(Math.max(1, options.max - this.seats.capacity))
    const factory: Factory<Runner> = {
      create: async () => {
        // At shutdown no runner is made: a request still waiting is given a stand-in, which acquire turns
        // into ShuttingDownError. A create that failed instead would be retried by generic-pool at once
        // for as long as requests wait: a loop of microtasks that never yields, and never exits.
        if (this.closing) return new Runner('stand-in', '', { standIn: true })
        // Starting a runner burns CPU (the engine's, runc's, the agent's boot) on the cores the programs
        // run on: it takes a CPU slot like a job, or a container made per request would slow the wall
        // clocks of the programs running meanwhile (a node hello world measured 2.2 s of wall for 0.16 s
        // of CPU, at 45 containers made at once).
        const slotted = !this.closing
        if (slotted) await this.cpuSlots.take(FOREVER_MS)
        try {
          const runner = await provider.create()
          if (Object.keys(runner.versions).length > 0) this.versions = runner.versions
          return runner
        } finally {
          if (slotted) this.cpuSlots.give()
        }
      },
      destroy: async (runner) => {
        if (runner.standIn) return await runner.close()
        // Not marked by release: evicted after dying while idle, or cleared at shutdown.
        const reason = removalReasons.get(runner) ?? (this.closing ? 'shutdown' : 'crashed')
        this.observer?.runnerRemoved(reason)
        return provider.destroy(runner, reason)
      },
      validate: async (runner) => !runner.dead
    }
    const poolOptions: Options = {
      min: options.min,
      max: options.max,
      acquireTimeoutMillis: options.acquireTimeoutMs,
      // The most recently used idle runner first: its pages and connection are warm.
      fifo: false,
      testOnBorrow: true,
      autostart: false,
      evictionRunIntervalMillis: this.options.evictionIntervalMs,
      numTestsPerEvictionRun: options.max
    }
    // generic-pool's createPool takes no evictor; its Pool constructor does.
    this.pool = new PoolClass(DeadRunnerEvictor, Deque, PriorityQueue, factory, poolOptions)
    this.pool.on('factoryDestroyError', (err) => this.log.error({ err }, 'removing a runner failed'))
    this.pool.on('factoryCreateError', (err) => {
      // A start cut short by shutdown is no failure.
      if (this.closing) this.log.info({ err }, 'a runner start was cut short by shutdown')
      else this.log.error({ err }, 'creating a runner failed')
    })
  }

  /** Removes an earlier process's leftovers, then fills the pool to its minimum in parallel. */
  async start (): Promise<void> {
    await this.provider.start()
    if (this.options.maxRunning === undefined && this.provider.cpus !== undefined) this.cpuSlots.resize(this.provider.cpus)
    this.pool.start()
  }

  /**
   * A runner for a job: a batch job takes a place among the runners batch jobs may hold, a runner, then a
   * CPU slot; an interactive one a seat, then a runner. Each wait is up to acquireTimeoutMs.
   */
  async acquire (kind: JobKind = 'batch', { patient = false }: AcquireOptions = {}): Promise<Runner> {
    if (this.closing) throw new ShuttingDownError()
    const places = kind === 'batch' ? this.batchPlaces : this.seats
    const mustWait = places.taken >= places.capacity || places.waiting > 0 || this.pool.available === 0 ||
      (kind === 'batch' && (this.cpuSlots.taken >= this.cpuSlots.capacity || this.cpuSlots.waiting > 0))
    if (!patient && mustWait && this.pending >= this.options.maxWaitingRequests) throw new QueueFullError(this.pending)
    const waitMs = patient ? FOREVER_MS : this.options.acquireTimeoutMs
    await places.take(waitMs)
    let runner: Runner
    try {
      runner = await this.acquireRunner(patient)
    } catch (err) {
      places.give()
      throw err
    }
    if (kind === 'batch') {
      try {
        await this.cpuSlots.take(waitMs)
      } catch (err) {
        places.give()
        void this.pool.release(runner)
        throw err
      }
    }
    this.held.set(runner, kind)
    await this.weigh(runner, kind)
    return runner
  }

  /** Gives the runner the CPU weight of its job's kind, where it has another; a failure is logged, not thrown. */
  private async weigh (runner: Runner, kind: JobKind): Promise<void> {
    const shares = kind === 'batch' ? BATCH_CPU_SHARES : INTERACTIVE_CPU_SHARES
    if (!this.provider.setCpuShares || runner.cpuShares === shares) return
    try {
      await this.provider.setCpuShares(runner, shares)
    } catch (err) {
      this.log.warn({ err, runner: runner.id, shares }, "setting a runner's CPU weight failed; its job runs at the weight it has")
    }
  }

  /**
   * A runner from generic-pool. Its place already bounds how many wait (acquire checks the queue's
   * length), so generic-pool refuses only when it times out or drains at shutdown.
   */
  private async acquireRunner (patient: boolean): Promise<Runner> {
    for (;;) {
      try {
        const runner = await this.pool.acquire()
        if (!runner.standIn) return runner
        void this.pool.release(runner)
        throw new ShuttingDownError()
      } catch (err) {
        if (this.closing) throw new ShuttingDownError()
        if (!(err instanceof Error) || err.name !== 'TimeoutError') throw err
        if (!patient) throw new QueueTimeoutError(this.options.acquireTimeoutMs)
      }
    }
  }

  /** Returns a runner after a job: reused if it proved itself clean and is under its use count, else removed. */
  release (runner: Runner, outcome: JobOutcome): void {
    this.giveSlot(runner)
    runner.uses++
    let reason: RemovalReason | undefined
    if (outcome !== 'clean') reason = outcome
    else if (runner.dead) reason = 'crashed'
    else if (runner.uses >= this.options.maxUsesPerRunner) reason = 'max_uses'
    else if (this.provider.outgrown?.(runner) === true) reason = 'outgrown'
    if (reason === undefined) {
      this.putBack(runner)
      return
    }
    removalReasons.set(runner, reason)
    void this.pool.destroy(runner)
  }

  /** Gives the runner's container the memory limit a job needs, when it has another. */
  async fit (runner: Runner, memoryBytes: number): Promise<void> {
    if (runner.memoryBytes !== memoryBytes) await this.provider.setMemory(runner, memoryBytes)
  }

  /** Hands back a runner that did no job (its request went away while it waited). */
  giveBack (runner: Runner): void {
    this.giveSlot(runner)
    this.putBack(runner)
  }

  /** An idle runner weighs as a batch job's: one an interactive session lowered goes back once restored. */
  private putBack (runner: Runner): void {
    if (runner.cpuShares === BATCH_CPU_SHARES || !this.provider.setCpuShares) {
      void this.pool.release(runner)
      return
    }
    void this.weigh(runner, 'batch').finally(() => { void this.pool.release(runner) })
  }

  private giveSlot (runner: Runner): void {
    const kind = this.held.get(runner)
    if (kind === undefined) return
    this.held.delete(runner)
    if (kind === 'batch') {
      this.cpuSlots.give()
      this.batchPlaces.give()
    } else {
      this.seats.give()
    }
  }

  get min (): number { return this.pool.min }
  get max (): number { return this.pool.max }
  /** Runners that exist and answered /health, idle or busy. */
  get ready (): number { return this.pool.available + this.pool.borrowed }
  get available (): number { return this.pool.available }
  get borrowed (): number { return this.pool.borrowed }
  /** Jobs waiting for a CPU slot, a seat or a runner. */
  get pending (): number { return this.batchPlaces.waiting + this.seats.waiting + this.pool.pending + this.cpuSlots.waiting }
  /** CPU slots: how many batch jobs may run at once. */
  get maxRunning (): number { return this.cpuSlots.capacity }
  /** Batch jobs holding a CPU slot now. */
  get running (): number { return this.cpuSlots.taken }
  get maxInteractive (): number { return this.seats.capacity }
  /** Interactive sessions holding a seat now. */
  get interactive (): number { return this.seats.taken }
  /** Runners being created right now. */
  get starting (): number { return this.pool.size - this.ready }
  get isReady (): boolean { return !this.closing && this.ready >= this.pool.min }

  /** Waits for borrowed runners to come back, then removes every runner of this pool. */
  async close (): Promise<void> {
    if (this.closing) return
    this.closing = true
    this.cpuSlots.close()
    this.batchPlaces.close()
    this.seats.close()
    this.provider.stop()
    await this.pool.drain()
    await this.pool.clear().catch((err) => this.log.error({ err }, 'clearing the pool failed'))
    const removed = await this.provider.removeAll()
    this.log.info({ removed }, 'runner pool closed')
  }
}

const removalReasons = new WeakMap<Runner, RemovalReason>()
