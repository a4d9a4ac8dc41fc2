import { spawn, type ChildProcess } from 'node:child_process'
import type { Writable } from 'node:stream'

export interface LaunchRequest {
  argv: string[]
  cwd: string
  env: Record<string, string>
  uid: number
  gid: number
  /** The stage's wall clock: past it, the launcher kills every process of the uid. */
  timeoutMs: number
  /** The program's standard input, in the chunks it arrived in. */
  stdin: Buffer[]
  cpuTimeMs: number
  memoryBytes: number
  processes: number
  fileSizeBytes: number
  openFiles: number
  outputBytes: number
  /** Clean up after the uid right after the stage, in the same answer (see `clean`). */
  cleanUp?: boolean
  /** Have each read of the program's output sent at once, for a job whose output is streamed. */
  stream?: boolean
  /** Keep the program's stdin open after `stdin` and take `control` lines while it runs (implies `stream`). */
  interactive?: boolean
  /** The program's stderr is its stdout pipe too (2>&1): one stream, in the order written. */
  stderrToStdout?: boolean
  /** The program's RLIMIT_AS: allocations past it fail (Jobe's memorylimit). */
  addressSpaceBytes?: number
}

export interface LaunchCallbacks {
  output: (stream: 'stdout' | 'stderr', chunk: Buffer) => void
  /** The launcher's report line; null when the launcher itself died mid-stage. */
  done: (report: string | null) => void
  /** With `cleanUp`: what cleanup could not remove (empty when all is clean); null when the launcher died first. */
  cleaned?: (problems: string[] | null) => void
}

/** What a cleanup left behind, as the launcher's 'c' frame lists it, one problem a line. */
export function parseProblems (payload: Buffer): string[] {
  return payload.toString('utf8').split('\n').filter((line) => line !== '')
}

/** Every string of the block as its 4-byte little-endian length, then its bytes: no byte of one can end it. */
function encodeBlock (cwd: string, argv: string[], env: string[]): Buffer {
  const fields = [cwd, ...argv, ...env].map((field) => Buffer.from(field, 'utf8'))
  const block = Buffer.allocUnsafe(8 + fields.reduce((sum, field) => sum + 4 + field.length, 0))
  block.writeUInt32LE(argv.length, 0)
  block.writeUInt32LE(env.length, 4)
  let at = 8
  for (const field of fields) {
    block.writeUInt32LE(field.length, at)
    field.copy(block, at + 4)
    at += 4 + field.length
  }
  return block
}

/** The request as sandbox-exec.c reads it: a header line, the block (cwd, argv, env), then stdin (its chunks as they are). */
export function encodeLaunch (request: LaunchRequest): Buffer[] {
  const env = Object.entries(request.env).map(([key, value]) => `${key}=${value}`)
  const block = encodeBlock(request.cwd, request.argv, env)
  const stdinLength = request.stdin.reduce((sum, chunk) => sum + chunk.length, 0)
  const stream = request.stream === true || request.interactive === true
  const fields = [
    request.uid, request.gid, request.cpuTimeMs, request.memoryBytes, request.processes, request.fileSizeBytes, request.openFiles,
    request.outputBytes, block.length, stdinLength, request.cleanUp ? 1 : 0, stream ? 1 : 0, request.timeoutMs, request.interactive ? 1 : 0,
    request.stderrToStdout ? 1 : 0, request.addressSpaceBytes ?? 0
  ]
  const header = `J ${fields.join(' ')}\n`
  return [Buffer.concat([Buffer.from(header), block]), ...request.stdin]
}

// The largest input line sandbox-exec takes (CONTROL_DATA_MAX).
const CONTROL_DATA_MAX = 32768

/** Control lines of an interactive stage (sandbox-exec.c): more stdin, the end of stdin, a signal. */
export const control = {
  input (data: Buffer): Buffer[] {
    const lines: Buffer[] = []
    for (let at = 0; at < data.length; at += CONTROL_DATA_MAX) {
      const piece = data.subarray(at, at + CONTROL_DATA_MAX)
      lines.push(Buffer.from(`i ${piece.length}\n`), piece)
    }
    return lines
  },
  endOfInput: (): Buffer[] => [Buffer.from('e\n')],
  signal: (number: number): Buffer[] => [Buffer.from(`s ${number}\n`)]
}

/**
 * The agent's side of sandbox-exec: one long-lived root helper that forks each stage's program, so the
 * agent's own large process is never forked per job, and that cleans up after each job (in C: it is on
 * every job's path). One request at a time; a helper that dies is started again for the next one.
 */
export class Launcher {
  private child?: ChildProcess
  private pending: Buffer = Buffer.alloc(0)
  private current?: LaunchCallbacks
  /** Whether the current request still waits for its stage report ('r'), and for its cleanup ('c'). */
  private awaiting = { report: false, cleanup: false }
  /** Whether the current request is an interactive stage that still takes control lines. */
  private controlOpen = false
  /** Stages (J requests) sent to this helper: the kill channel names a stage by its number. */
  private stages = 0

  /** `args`: sandbox-exec's own, an option and the directories cleanup empties. */
  constructor (private readonly path: string, private readonly args: string[]) {}

  start (): void {
    if (this.child) return
    // fd 3: the kill channel, out of band (sandbox-exec.c).
    const child = spawn(this.path, this.args, { stdio: ['pipe', 'pipe', 'inherit', 'pipe'] })
    this.child = child
    this.pending = Buffer.alloc(0)
    this.stages = 0
    const kills = child.stdio[3] as Writable
    kills.on('error', () => {})
    child.stdout?.on('data', (chunk: Buffer) => this.onData(chunk))
    child.stdin?.on('error', () => {})
    child.on('error', () => this.onExit(child))
    child.on('exit', () => this.onExit(child))
  }

  /** The helper's process id while it runs. */
  get pid (): number | undefined { return this.child?.pid }

  run (request: LaunchRequest, callbacks: LaunchCallbacks): void {
    this.send(encodeLaunch(request), callbacks, { report: true, cleanup: request.cleanUp === true })
    this.stages++
    this.controlOpen = request.interactive === true
  }

  /**
   * Kills the stage running now, and every process of its uid, at once: out of band, never behind the
   * input or control lines it has not taken yet. Nothing when no stage runs.
   */
  kill (): void {
    if (!this.child || !this.awaiting.report) return
    (this.child.stdio[3] as Writable).write(`k ${this.stages}\n`)
  }

  /**
   * Control lines (see `control`) for the interactive stage running now; dropped once its report came.
   * False when the launcher's pipe is full: more can wait for `drained`.
   */
  control (lines: Buffer[]): boolean {
    if (!this.controlOpen) return true
    const stdin = this.child!.stdin!
    let room = true
    for (const line of lines) room = stdin.write(line)
    return room
  }

  /** Calls `listener` once the launcher has taken what `control` wrote. */
  drained (listener: () => void): void {
    if (this.child?.stdin?.writableNeedDrain) this.child.stdin.once('drain', listener)
    else setImmediate(listener)
  }

  /**
   * Kills every process of the uid, removes its System V IPC objects and empties the wipe dirs. Resolves
   * with what could not be removed (empty when all is clean), or null when the launcher died meanwhile.
   */
  clean (uid: number, gid: number): Promise<string[] | null> {
    return new Promise((resolve) => {
      this.send([Buffer.from(`C ${uid} ${gid}\n`)], { output: () => {}, done: () => {}, cleaned: resolve }, { report: false, cleanup: true })
    })
  }

  close (): void {
    this.child?.stdin?.end()
  }

  private send (message: Buffer[], callbacks: LaunchCallbacks, awaiting: { report: boolean, cleanup: boolean }): void {
    if (this.current) throw new Error('the launcher runs one request at a time')
    this.start()
    this.current = callbacks
    this.awaiting = awaiting
    const stdin = this.child!.stdin!
    // Corked, the parts go out in one writev.
    stdin.cork()
    for (const part of message) stdin.write(part)
    stdin.uncork()
  }

  private finish (): void {
    if (!this.awaiting.report && !this.awaiting.cleanup) this.current = undefined
  }

  private onExit (child: ChildProcess): void {
    if (this.child !== child) return
    this.child = undefined
    const current = this.current
    const awaiting = this.awaiting
    this.current = undefined
    this.awaiting = { report: false, cleanup: false }
    this.controlOpen = false
    if (awaiting.report) current?.done(null)
    if (awaiting.cleanup) current?.cleaned?.(null)
  }

  private onData (chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk])
    while (this.pending.length >= 5) {
      const length = this.pending.readUInt32LE(1)
      if (this.pending.length < 5 + length) break
      const tag = String.fromCharCode(this.pending[0])
      const payload = this.pending.subarray(5, 5 + length)
      this.pending = this.pending.subarray(5 + length)
      const current = this.current
      if (!current) continue
      if (tag === 'o') current.output('stdout', payload)
      else if (tag === 'e') current.output('stderr', payload)
      else if (tag === 'r') {
        if (this.controlOpen) {
          // Nothing more for this stage: the launcher skips what came before this and reads requests again.
          this.controlOpen = false
          this.child?.stdin?.write('x\n')
        }
        this.awaiting.report = false
        this.finish()
        current.done(payload.toString('latin1'))
      } else if (tag === 'c') {
        this.awaiting.cleanup = false
        this.finish()
        current.cleaned?.(parseProblems(payload))
      }
    }
  }
}
