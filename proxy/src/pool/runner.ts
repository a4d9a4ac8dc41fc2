import type { Duplex } from 'node:stream'
import { Client } from 'undici'
import { INTERACTIVE_PROTOCOL } from '../../../runner/src/contract/interactive-protocol'
import type { InputRelay } from '../../../runner/src/contract/input-relay'
import type { JobResult, JobStatus, TestReport } from '../../../runner/src/contract/job'
import { encodeJob, JOB_CONTENT_TYPE } from '../../../runner/src/contract/job-wire'
import { LineSplitter } from '../../../runner/src/contract/lines'
import type { LiveEvent, LiveResult } from '../../../runner/src/contract/live-events'
import type { StageName } from '../../../runner/src/contract/limits'
import { RunnerError } from '../errors'

/** A piece of a streamed job's output, as the program wrote it. */
export type OutputHandler = (stage: StageName, stream: 'stdout' | 'stderr', data: string) => void

/** How a stage ended, as a live job tells it before its result. */
export interface StageExit {
  status: JobStatus
  exitCode: number | null
  signal: string | null
}

/** What a live job (streamed or interactive) tells as it happens. */
export interface LiveHandlers {
  onOutput: OutputHandler
  onStage?: (stage: StageName) => void
  onExit?: (stage: StageName, exit: StageExit) => void
  /** A judge job's test has ended. */
  onTest?: (index: number, test: TestReport) => void
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])
const KILL_TIMEOUT_MS = 5000

// Idle connections to runners live as long as the runners do.
const KEEP_ALIVE_MS = 24 * 60 * 60 * 1000

/** One runner agent as the proxy sees it: where it listens, one kept-alive connection, how often it was used. */
export class Runner {
  readonly client: Client
  uses = 0
  dead = false
  containerId?: string
  /** The container's memory limit now. */
  memoryBytes = 0
  /** The container's CPU weight (Docker's cpu-shares; 1024 is Docker's default). */
  cpuShares = 1024
  /** The host's file of the container's memory use (its cgroup's), where there is one. */
  memoryUsagePath?: string
  /** Toolchain versions by language, as the agent reported them at start. */
  versions: Record<string, string> = {}

  /** Not a runner: what a request still waiting at shutdown is given instead of one (runner-pool.ts). */
  readonly standIn: boolean

  constructor (readonly id: string, readonly socketPath: string, { standIn = false } = {}) {
    this.standIn = standIn
    this.client = new Client('http://runner', {
      socketPath,
      pipelining: 1,
      keepAliveTimeout: KEEP_ALIVE_MS,
      keepAliveMaxTimeout: KEEP_ALIVE_MS
    })
    // The agent never closes a connection itself (its keepAliveTimeout is 0), so the other side closing
    // the kept-alive one means the agent is gone: known dead at once, even when the engine's event was
    // missed (the events stream was down), and never handed a job. undici's own closes are "informational":
    // an upgrade taking the socket, its idle timeout.
    this.client.on('disconnect', (_origin, _targets, err) => {
      if ((err as { code?: string }).code !== 'UND_ERR_INFO') this.dead = true
    })
  }

  /** Resolves true when GET /health answers 200 within timeoutMs; false on any failure. */
  async health (timeoutMs: number): Promise<boolean> {
    try {
      const { statusCode, body } = await this.client.request({
        path: '/health',
        method: 'GET',
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs
      })
      if (statusCode !== 200) {
        await body.dump()
        return false
      }
      const health = await body.json() as { runtimes?: Array<{ language: string, version: string }> }
      for (const runtime of health.runtimes ?? []) this.versions[runtime.language] = runtime.version
      return true
    } catch {
      return false
    }
  }

  /**
   * Runs `job` (everything but stdin) with `stdin` on this runner. With `live`, the agent streams the
   * program's output as it is read (NDJSON, runner/src/live-job.ts) and each piece is handed on at once.
   */
  async execute (job: object, stdin: string, timeoutMs: number, maxResultBytes: number, live?: LiveHandlers): Promise<JobResult> {
    try {
      const response = await this.client.request({
        path: '/execute',
        method: 'POST',
        headers: { 'content-type': JOB_CONTENT_TYPE },
        body: encodeJob(live ? { ...job, stream: true } : job, stdin),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs
      })
      if (response.statusCode !== 200) {
        const text = await response.body.text()
        throw new RunnerError(`runner ${this.id} answered ${response.statusCode}: ${text.slice(0, 500)}`, `HTTP_${response.statusCode}`, false)
      }
      if (!live) return JSON.parse(await this.readCapped(response.body, maxResultBytes)) as JobResult
      return await this.readLive(response.body, live, maxResultBytes)
    } catch (err) {
      throw runnerFailure(this.id, err)
    }
  }

  /**
   * Runs `job` interactively: `input` (control messages as JSON lines, runner/src/interactive.ts) goes to
   * the program while it runs, over an upgraded connection, and `live` hears what it does. The whole job
   * must end within timeoutMs.
   */
  async interactive (job: object, timeoutMs: number, maxResultBytes: number, live: LiveHandlers, input: InputRelay): Promise<JobResult> {
    // One deadline for the whole job, the upgrade included.
    const deadline = new AbortController()
    let socket: Duplex | undefined
    const timer = setTimeout(() => {
      deadline.abort()
      socket?.destroy()
    }, timeoutMs)
    try {
      ({ socket } = await this.client.upgrade({ path: '/interactive', method: 'GET', protocol: INTERACTIVE_PROTOCOL, signal: deadline.signal }))
    } catch (err) {
      clearTimeout(timer)
      input.close()
      const code = deadline.signal.aborted ? 'UND_ERR_HEADERS_TIMEOUT' : (err as { code?: string }).code ?? 'UNKNOWN'
      const message = `runner ${this.id} did not take an interactive job: ${(err as Error).message}`
      throw new RunnerError(message, code, TIMEOUT_CODES.has(code), { cause: err })
    }
    socket.on('error', () => {})
    try {
      socket.write(JSON.stringify(job) + '\n')
      input.open({
        write: (parts) => {
          let room = true
          for (const part of parts) room = socket.write(part)
          return room
        },
        drained: (listener) => {
          if (socket.writableNeedDrain) socket.once('drain', listener)
          else setImmediate(listener)
        }
      })
      // The client gone: the program dies out of band, on a connection of its own, not behind the input
      // that fills this one (a program that reads nothing would otherwise live to its wall clock).
      input.whenAbandoned(() => { void this.stop() })
      return await this.readLive(socket, live, maxResultBytes)
    } catch (err) {
      if (deadline.signal.aborted) {
        throw new RunnerError(`runner ${this.id} did not end an interactive job within ${timeoutMs} ms`, 'UND_ERR_BODY_TIMEOUT', true, { cause: err })
      }
      throw runnerFailure(this.id, err)
    } finally {
      clearTimeout(timer)
      input.close()
      socket.destroy()
    }
  }

  /**
   * POST /kill: the agent kills the program of the job running now, and a batch job runs nothing after it.
   * On a connection of its own: the kept one carries the job. A failure changes nothing (the job's limits
   * still hold).
   */
  async stop (): Promise<void> {
    const client = new Client('http://runner', { socketPath: this.socketPath })
    try {
      const { body } = await client.request({ path: '/kill', method: 'POST', headersTimeout: KILL_TIMEOUT_MS, bodyTimeout: KILL_TIMEOUT_MS })
      await body.dump()
    } catch {} finally {
      await client.close().catch(() => {})
    }
  }

  /** A whole answer as text, read no further than `maxBytes`: a runner cannot make the proxy hold more. */
  private async readCapped (body: AsyncIterable<Buffer> & { destroy: () => void }, maxBytes: number): Promise<string> {
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of body) {
      size += chunk.length
      if (size > maxBytes) {
        body.destroy()
        throw this.tooLarge(maxBytes)
      }
      chunks.push(chunk)
    }
    return Buffer.concat(chunks, size).toString('utf8')
  }

  private tooLarge (maxBytes: number): RunnerError {
    return new RunnerError(`runner ${this.id} answered more than the ${maxBytes} bytes its job's limits allow`, 'RESULT_TOO_LARGE', false)
  }

  /** Reads a live job's NDJSON, handing on each event, to its result; no line may pass `maxLineBytes`. */
  private async readLive (body: AsyncIterable<Buffer>, live: LiveHandlers, maxLineBytes: number): Promise<JobResult> {
    let result: LiveResult | undefined
    const line = (text: string) => {
      const event = JSON.parse(text) as LiveEvent
      if (event.type === 'output') live.onOutput(event.stage, event.stream, event.data)
      else if (event.type === 'stage') live.onStage?.(event.stage)
      else if (event.type === 'exit') live.onExit?.(event.stage, { status: event.status, exitCode: event.exitCode, signal: event.signal })
      else if (event.type === 'test') live.onTest?.(event.index, event.test)
      else if (event.type === 'result') result = event
    }
    // The result's line can be tens of megabytes.
    const lines = new LineSplitter(line)
    for await (const chunk of body) {
      lines.write(chunk)
      if (lines.pending > maxLineBytes) throw this.tooLarge(maxLineBytes)
    }
    const last = lines.rest()
    if (last.trim() !== '') line(last)
    if (!result) throw new RunnerError(`runner ${this.id} ended its stream without a result`, 'STREAM_CUT', false)
    if ('error' in result) throw new RunnerError(`runner ${this.id} failed: ${result.error.message}`, 'HTTP_500', false)
    const { type: _type, ...rest } = result
    return rest
  }

  async close (): Promise<void> {
    await this.client.destroy().catch(() => {})
  }
}

/** Whatever failed a job on a runner (undici's errors, a cut stream, bad JSON) as a RunnerError. */
function runnerFailure (id: string, err: unknown): RunnerError {
  if (err instanceof RunnerError) return err
  const code = (err as { code?: string }).code ?? 'UNKNOWN'
  return new RunnerError(`runner ${id} failed: ${(err as Error).message}`, code, TIMEOUT_CODES.has(code), { cause: err })
}
