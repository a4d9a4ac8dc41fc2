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
import type { Runner } from './runner'

export interface RunnerPoolOptions {
  min: number
  max: number
  acquireTimeoutMs: number
  maxWaitingRequests: number
  maxUsesPerRunner: number
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
 */
export class RunnerPool {
  private readonly pool: Pool<Runner>
  private closing = false
  /** Toolchain versions by language, as the latest runner to start reported them. */
  versions: Record<string, string> = {}
  private readonly options: Required<RunnerPoolOptions>

  constructor (
    private readonly provider: RunnerProvider,
    options: RunnerPoolOptions,
    private readonly log: Logger,
    private readonly observer?: Pick<PoolObserver, 'runnerRemoved'>
  ) {
    this.options = { evictionIntervalMs: 500, ...options }
    const factory: Factory<Runner> = {
      create: async () => {
        const runner = await provider.create()
        if (Object.keys(runner.versions).length > 0) this.versions = runner.versions
        return runner
      },
      destroy: (runner) => {
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
      maxWaitingClients: options.maxWaitingRequests,
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
    this.pool.on('factoryCreateError', (err) => this.log.error({ err }, 'creating a runner failed'))
  }

  /** Removes an earlier process's leftovers, then fills the pool to its minimum in parallel. */
  async start (): Promise<void> {
    await this.provider.start()
    this.pool.start()
  }

  async acquire (): Promise<Runner> {
    if (this.closing) throw new ShuttingDownError()
    try {
      return await this.pool.acquire()
    } catch (err) {
      const message = (err as Error).message ?? ''
      if ((err as Error).name === 'TimeoutError') throw new QueueTimeoutError(this.options.acquireTimeoutMs)
      if (message.includes('max waitingClients')) throw new QueueFullError(this.pool.pending)
      if (message.includes('draining') || this.closing) throw new ShuttingDownError()
      throw err
    }
  }

  /** Returns a runner after a job: reused if it proved itself clean and is under its use count, else removed. */
  release (runner: Runner, outcome: JobOutcome): void {
    runner.uses++
    let reason: RemovalReason | undefined
    if (outcome !== 'clean') reason = outcome
    else if (runner.dead) reason = 'crashed'
    else if (runner.uses >= this.options.maxUsesPerRunner) reason = 'max_uses'
    else if (this.provider.outgrown?.(runner) === true) reason = 'outgrown'
    if (reason === undefined) {
      void this.pool.release(runner)
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
    void this.pool.release(runner)
  }

  get min (): number { return this.pool.min }
  get max (): number { return this.pool.max }
  /** Runners that exist and answered /health, idle or busy. */
  get ready (): number { return this.pool.available + this.pool.borrowed }
  get available (): number { return this.pool.available }
  get borrowed (): number { return this.pool.borrowed }
  get pending (): number { return this.pool.pending }
  /** Runners being created right now. */
  get starting (): number { return this.pool.size - this.ready }
  get isReady (): boolean { return !this.closing && this.ready >= this.pool.min }

  /** Waits for borrowed runners to come back, then removes every runner of this pool. */
  async close (): Promise<void> {
    if (this.closing) return
    this.closing = true
    this.provider.stop()
    await this.pool.drain()
    await this.pool.clear().catch((err) => this.log.error({ err }, 'clearing the pool failed'))
    const removed = await this.provider.removeAll()
    this.log.info({ removed }, 'runner pool closed')
  }
}

const removalReasons = new WeakMap<Runner, RemovalReason>()
