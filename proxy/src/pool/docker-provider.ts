import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import Docker from 'dockerode'
import type { Config } from '../config'
import { EngineError, ImageMissingError, RunnerError } from '../errors'
import { containerMemoryBytes } from '../limits'
import type { PoolObserver } from '../metrics'
import type { RemovalReason, RunnerProvider } from './provider'
import { Runner } from './runner'
import { StartGate } from './start-gate'

export const POOL_LABEL = 'codeexec.pool'
const ROLE_LABEL = 'codeexec.role'
/** Where the runner's socket directory is mounted inside its container (runner/Dockerfile). */
const CONTAINER_SOCKET_DIR = '/run/runner'
const HEALTH_POLL_MS = 20
/** Program uids are drawn from here, one per runner, far from any uid the host uses. */
const UID_BASE = 200000
const UID_SPAN = 1000000

/**
 * A program uid no live runner of this provider has: a random draw, again while it is taken (two runners
 * with one uid would share RLIMIT_NPROC, and each one's cleanup would kill the other's programs).
 */
export function freshUid (taken: ReadonlySet<number>, draw: () => number = () => randomBytes(4).readUInt32BE()): number {
  for (;;) {
    const uid = UID_BASE + draw() % UID_SPAN
    if (!taken.has(uid)) return uid
  }
}

export interface Logger {
  info: (obj: object, msg?: string) => void
  warn: (obj: object, msg?: string) => void
  error: (obj: object, msg?: string) => void
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function isGone (err: unknown): boolean {
  const status = (err as { statusCode?: number }).statusCode
  return status === 404 || status === 409
}

/** A runner's container: no network, read-only root, exec tmpfs scratch, few capabilities (README, The sandbox). */
export function containerSpec (config: Config, name: string, socketDir: string, uid: number, memoryBytes: number): Docker.ContainerCreateOptions {
  const { runner, poolName } = config
  const gvisor = runner.runtime === 'runsc'
  return {
    name,
    Image: runner.image,
    Labels: { [POOL_LABEL]: poolName, [ROLE_LABEL]: 'runner' },
    // A uid of its own per runner: RLIMIT_NPROC counts per uid across the whole host.
    // Under gVisor the launcher checks memory against the sandbox's own, and gives each stage a PID
    // namespace and a /proc of its own (runner/src/config.ts).
    Env: [`RUNNER_UID=${uid}`, `RUNNER_GID=${uid}`, ...(gvisor ? ['RUNNER_MEMORY_WATCH=sandbox', 'RUNNER_PID_NAMESPACE=stage'] : [])],
    HostConfig: {
      Runtime: runner.runtime,
      NetworkMode: 'none',
      ReadonlyRootfs: true,
      Init: true,
      Privileged: false,
      CapDrop: ['ALL'],
      // To create the job dir for the program's uid, switch to that uid, kill its processes and wipe what it
      // wrote; under gVisor also to make each stage's PID namespace and mount its /proc. gVisor's
      // capabilities are its own kernel's, never the host's; the program drops them all with its uid.
      CapAdd: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'KILL', 'SETUID', 'SETGID', ...(gvisor ? ['SYS_ADMIN'] : [])],
      SecurityOpt: ['no-new-privileges'],
      PidsLimit: runner.pids,
      Memory: memoryBytes,
      MemorySwap: memoryBytes,
      NanoCpus: Math.round(runner.cpus * 1e9),
      // Docker's default tmpfs is noexec: compiled programs would not start.
      Tmpfs: {
        '/sandbox': `rw,exec,nosuid,nodev,size=${runner.scratchBytes},mode=755`,
        '/tmp': `rw,exec,nosuid,nodev,size=${runner.tmpBytes},mode=1777`
      },
      ShmSize: runner.tmpBytes,
      Binds: [`${socketDir}:${CONTAINER_SOCKET_DIR}`],
      RestartPolicy: { Name: 'no' }
    }
  }
}

/** The file that holds a container's memory use on this host (cgroup v1 or v2, cgroupfs or systemd driver). */
export function memoryUsagePath (containerId: string): string | undefined {
  return [
    `/sys/fs/cgroup/memory/docker/${containerId}/memory.usage_in_bytes`,
    `/sys/fs/cgroup/memory/system.slice/docker-${containerId}.scope/memory.usage_in_bytes`,
    `/sys/fs/cgroup/system.slice/docker-${containerId}.scope/memory.current`,
    `/sys/fs/cgroup/docker/${containerId}/memory.current`
  ].find((path) => existsSync(path))
}

/** Why a runner failed to start, as the start failures metric counts it. */
export type StartFailureReason = 'image_missing' | 'engine_unavailable' | 'start_timeout' | 'other'

export function startFailureReason (err: unknown): StartFailureReason {
  const { statusCode, code, message } = err as { statusCode?: number, code?: string, message?: string }
  if (statusCode === 404 && /no such image/i.test(message ?? '')) return 'image_missing'
  if (['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(code ?? '') || /timeout/i.test(code ?? '')) return 'engine_unavailable'
  if (err instanceof StartTimeoutError) return 'start_timeout'
  return 'other'
}

class StartTimeoutError extends Error {}


/** How long the engine has to tell its CPU count at start. */
const ENGINE_INFO_TIMEOUT_MS = 5000

export class DockerProvider implements RunnerProvider {
  readonly docker: Docker
  private stopped = false
  private readonly stopping = new AbortController()
  private readonly gate = new StartGate()
  /** Socket directories of runners being made: not yet known by container, and not leftovers. */
  private readonly making = new Set<string>()
  /** Set when removing something failed (the engine was away): reconcile until it succeeds. */
  private reconcileTimer?: NodeJS.Timeout
  private readonly byContainer = new Map<string, Runner>()
  private events?: NodeJS.ReadableStream
  private readonly poolDir: string
  /** A new runner's memory limit: what a job with the default limits needs. */
  private readonly memoryBytes: number
  /** The program uid of each of this provider's runners, each runner's own. */
  private readonly uidOf = new Map<Runner, number>()
  /** The engine's CPU count (docker info's NCPU), read at start. */
  cpus?: number

  constructor (
    private readonly config: Config,
    private readonly log: Logger,
    private readonly observer?: Pick<PoolObserver, 'runnerStarted' | 'runnerStartFailed'>,
    docker?: Docker
  ) {
    this.docker = docker ?? new Docker({ socketPath: config.docker.socketPath, timeout: config.docker.timeoutMs })
    this.poolDir = join(config.runner.socketDir, config.poolName)
    // runsc cannot change a running sandbox's memory limit (it has no `update`): its runners are made
    // large enough for any job, and the launcher's watch holds each job to its own memoryBytes.
    this.memoryBytes = containerMemoryBytes(config, config.runner.runtime === 'runsc' ? config.limits.max : config.limits.default)
  }

  /**
   * Follows the engine's events so a runner that dies while idle is known dead at once. When the stream
   * comes back after the engine was away (restarted, say), what happened meanwhile is reconciled.
   */
  async watch (reconnect = false): Promise<void> {
    if (this.stopped) return
    try {
      const stream = await this.docker.getEvents({
        filters: { type: ['container'], event: ['die', 'destroy'], label: [`${POOL_LABEL}=${this.config.poolName}`] }
      }) as unknown as NodeJS.ReadableStream
      this.events = stream
      if (reconnect) this.reconcileSoon(0)
      let buffer = ''
      stream.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('utf8')
        let newline
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, newline)
          buffer = buffer.slice(newline + 1)
          this.onEvent(line)
        }
      })
      stream.on('error', () => {})
      stream.on('close', () => {
        if (!this.stopped) setTimeout(() => { void this.watch(true) }, 1000).unref()
      })
    } catch (err) {
      this.log.warn({ err }, 'cannot follow docker events; retrying')
      if (!this.stopped) setTimeout(() => { void this.watch(true) }, 1000).unref()
    }
  }

  private onEvent (line: string): void {
    if (line.trim() === '') return
    try {
      const event = JSON.parse(line) as { id?: string, Action?: string }
      const runner = event.id ? this.byContainer.get(event.id) : undefined
      if (runner && !runner.dead) {
        runner.dead = true
        this.log.warn({ runner: runner.id, event: event.Action }, 'runner container died')
      }
    } catch {
      // not an event line
    }
  }

  async create (): Promise<Runner> {
    for (;;) {
      if (this.stopped) throw new Error('provider stopped: no more runners are created')
      const started = Date.now()
      try {
        const runner = await this.gate.run(() => this.createOnce(), this.stopping.signal)
        this.log.info({ runner: runner.id, startMs: Date.now() - started }, 'runner started')
        this.observer?.runnerStarted((Date.now() - started) / 1000)
        return runner
      } catch (err) {
        if (this.stopped) throw err
        const reason = startFailureReason(err)
        this.observer?.runnerStartFailed(reason)
        this.log.error({ err, reason, retryInMs: this.gate.delayMs }, reason === 'image_missing'
          ? `runner failed to start: the image ${this.config.runner.image} does not exist (build it with npm run setup)`
          : 'runner failed to start')
      }
    }
  }

  private async createOnce (): Promise<Runner> {
    const id = randomBytes(6).toString('hex')
    const socketDir = join(this.poolDir, id)
    this.making.add(id)
    try {
      return await this.make(id, socketDir)
    } finally {
      this.making.delete(id)
    }
  }

  private async make (id: string, socketDir: string): Promise<Runner> {
    // 0700 root: the program's uid cannot enter it, so cannot reach the agent's socket.
    mkdirSync(socketDir, { recursive: true, mode: 0o700 })
    const runner = new Runner(id, join(socketDir, 'agent.sock'))
    runner.memoryBytes = this.memoryBytes
    const uid = freshUid(new Set(this.uidOf.values()))
    this.uidOf.set(runner, uid)
    try {
      const spec = containerSpec(this.config, `${this.config.poolName}-${id}`, socketDir, uid, this.memoryBytes)
      const container = await this.docker.createContainer(spec)
      runner.containerId = container.id
      this.byContainer.set(container.id, runner)
      await container.start()
      await this.waitHealthy(runner)
      runner.memoryUsagePath = memoryUsagePath(container.id)
      return runner
    } catch (err) {
      await this.destroy(runner, 'failed').catch(() => {})
      throw err
    }
  }

  private async waitHealthy (runner: Runner): Promise<void> {
    const deadline = Date.now() + this.config.pool.startTimeoutMs
    while (Date.now() < deadline) {
      if (this.stopped) throw new Error('provider stopped while a runner was starting')
      if (runner.dead) throw new Error(`runner ${runner.id} exited while starting`)
      if (existsSync(runner.socketPath) && await runner.health(1000)) return
      await sleep(HEALTH_POLL_MS)
    }
    throw new StartTimeoutError(`runner ${runner.id} did not answer /health within ${this.config.pool.startTimeoutMs} ms`)
  }

  /** Changes a runner's memory limit (a job asked for other than the default); takes effect at once. */
  async setMemory (runner: Runner, memoryBytes: number): Promise<void> {
    // Under runsc every runner is as large as any job needs: nothing to change.
    if (this.config.runner.runtime === 'runsc' && memoryBytes <= runner.memoryBytes) return
    await this.update(runner, { Memory: memoryBytes, MemorySwap: memoryBytes })
    runner.memoryBytes = memoryBytes
  }

  async setCpuShares (runner: Runner, shares: number): Promise<void> {
    // This runsc has no `update`: its runners keep the weight they were made with.
    if (this.config.runner.runtime === 'runsc') return
    await this.update(runner, { CpuShares: shares })
    runner.cpuShares = shares
  }

  /**
   * `docker update` of a runner's container. A container that is gone makes the runner dead (a
   * RunnerError: it is replaced); any other failure is the engine's (an EngineError: the runner is fine).
   */
  private async update (runner: Runner, resources: Record<string, number>): Promise<void> {
    if (!runner.containerId) throw new RunnerError(`runner ${runner.id} has no container`, 'CONTAINER_GONE', false)
    try {
      await this.docker.getContainer(runner.containerId).update(resources)
    } catch (err) {
      if (isGone(err)) {
        runner.dead = true
        throw new RunnerError(`runner ${runner.id}'s container is gone`, 'CONTAINER_GONE', false, { cause: err })
      }
      throw new EngineError('update', `docker update of runner ${runner.id} failed: ${(err as Error).message}`, { cause: err })
    }
  }

  /**
   * Under runsc, whether the runner's sandbox holds more than agentReserveBytes once its job is cleaned
   * up: gVisor's kernel keeps memory a job made it take (pipe buffers, say), and the container is sized
   * for the largest job plus only that reserve. Read from the container's memory cgroup on the host.
   */
  outgrown (runner: Runner): boolean {
    if (this.config.runner.runtime !== 'runsc' || !runner.memoryUsagePath) return false
    try {
      return Number(readFileSync(runner.memoryUsagePath, 'latin1').trim()) > this.config.runner.agentReserveBytes
    } catch {
      return false
    }
  }

  async destroy (runner: Runner, reason: RemovalReason): Promise<void> {
    runner.dead = true
    this.uidOf.delete(runner)
    await runner.close()
    if (runner.containerId) {
      try {
        await this.docker.getContainer(runner.containerId).remove({ force: true, v: true })
      } catch (err) {
        if (!isGone(err)) {
          // The engine is away: what is left of the runner goes once it is back (reconcile).
          this.reconcileSoon()
          throw err
        }
      } finally {
        this.byContainer.delete(runner.containerId)
      }
    }
    rmSync(join(this.poolDir, runner.id), { recursive: true, force: true })
    this.log.info({ runner: runner.id, reason }, 'runner removed')
  }

  /**
   * Makes the engine and the socket directory agree with the runners the pool has: every container of
   * this pool that is not a live runner's is removed, with every socket directory that is not a live or
   * starting runner's; a runner whose container is not running is marked dead (the pool replaces it).
   * Resolves with how many containers it removed; throws when the engine does not answer.
   */
  async reconcile (): Promise<number> {
    const containers = await this.docker.listContainers({ all: true, filters: { label: [`${POOL_LABEL}=${this.config.poolName}`] } })
    let removed = 0
    for (const info of containers) {
      // One still starting is not running yet: it is its maker's to judge.
      if (this.isBeingMade(info)) continue
      const runner = this.byContainer.get(info.Id)
      if (runner && !runner.dead) {
        if (info.State === 'running') continue
        runner.dead = true
        this.log.warn({ runner: runner.id, state: info.State }, 'runner container is not running')
        continue
      }
      // Not a runner of ours any more: its removal failed.
      try {
        await this.docker.getContainer(info.Id).remove({ force: true, v: true })
        removed++
      } catch (err) {
        if (!isGone(err)) throw err
      }
    }
    const keep = new Set([...this.making, ...[...this.byContainer.values()].filter((runner) => !runner.dead).map((runner) => runner.id)])
    let dirs: string[] = []
    try {
      dirs = readdirSync(this.poolDir)
    } catch {}
    for (const dir of dirs) {
      if (!keep.has(dir)) rmSync(join(this.poolDir, dir), { recursive: true, force: true })
    }
    if (removed > 0) this.log.warn({ removed, pool: this.config.poolName }, 'removed runner containers the pool no longer had')
    return removed
  }

  private isBeingMade (info: Docker.ContainerInfo): boolean {
    return [...this.making].some((id) => info.Names.includes(`/${this.config.poolName}-${id}`))
  }

  /** Reconciles now and again until it succeeds, backing off while the engine is away. */
  private reconcileSoon (delayMs = 1000): void {
    if (this.stopped || this.reconcileTimer) return
    this.reconcileTimer = setTimeout(() => {
      this.reconcileTimer = undefined
      this.reconcile().catch((err) => {
        this.log.warn({ err }, 'cannot reconcile runners with the engine yet; retrying')
        this.reconcileSoon(Math.min(delayMs * 2, 30000))
      })
    }, delayMs)
    this.reconcileTimer.unref()
  }

  private async removeLabelled (): Promise<number> {
    const containers = await this.docker.listContainers({
      all: true,
      filters: { label: [`${POOL_LABEL}=${this.config.poolName}`] }
    })
    await Promise.all(containers.map(async (info) => {
      try {
        await this.docker.getContainer(info.Id).remove({ force: true, v: true })
      } catch (err) {
        if (!isGone(err)) throw err
      }
    }))
    return containers.length
  }

  async start (): Promise<void> {
    this.cpus = await this.engineCpus()
    await this.checkImage()
    await this.removeLeftovers()
    await this.watch()
  }

  /**
   * The engine's CPU count (docker info's NCPU); undefined when the engine does not say within a few
   * seconds or says nothing usable (an engine in trouble answered NCPU 0), and the pool keeps its own.
   */
  private async engineCpus (): Promise<number | undefined> {
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), ENGINE_INFO_TIMEOUT_MS) })
    try {
      const info = await Promise.race([this.docker.info() as Promise<{ NCPU?: unknown }>, late])
      const cpus = info?.NCPU
      if (typeof cpus === 'number' && Number.isInteger(cpus) && cpus > 0) return cpus
      this.log.warn({ ncpu: cpus }, "the engine did not tell its CPU count; CPU slots follow this machine's")
    } catch (err) {
      this.log.warn({ err }, "asking the engine its CPU count failed; CPU slots follow this machine's")
    } finally {
      clearTimeout(timer)
    }
    return undefined
  }

  /** Throws ImageMissingError when the runner image does not exist. */
  private async checkImage (): Promise<void> {
    try {
      await this.docker.getImage(this.config.runner.image).inspect()
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) throw new ImageMissingError(this.config.runner.image)
      throw err
    }
  }

  async removeLeftovers (): Promise<number> {
    const removed = await this.removeLabelled()
    rmSync(this.poolDir, { recursive: true, force: true })
    if (removed > 0) this.log.warn({ removed, pool: this.config.poolName }, 'removed runners an earlier process left behind')
    return removed
  }

  stop (): void {
    this.stopped = true
    this.stopping.abort()
    clearTimeout(this.reconcileTimer)
    const events = this.events as unknown as { destroy?: () => void } | undefined
    events?.destroy?.()
  }

  async removeAll (): Promise<number> {
    const removed = await this.removeLabelled()
    this.byContainer.clear()
    rmSync(this.poolDir, { recursive: true, force: true })
    return removed
  }
}
